// Test harness: a real stack (Temporal dev server + embedded PostgreSQL) on free ports in a temporary state folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MlcycleEnv } from '../lib/config/env.js';
import { startStack, type Stack } from '../worker/stack.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface TestStack extends Stack {
  env: MlcycleEnv;
  /** Stops the stack and removes its state folder. */
  teardown(): Promise<void>;
}

export async function startTestStack(o: { worker?: boolean } = {}): Promise<TestStack> {
  const stateDir = await mkdtemp(join(tmpdir(), 'mlcycle-test-'));
  const env: MlcycleEnv = {
    stateDir,
    artifactDir: join(stateDir, 'artifacts'),
    temporalAddress: undefined,
    temporalNamespace: 'default',
    temporalPort: await freePort(),
    temporalUiPort: await freePort(),
    databaseUrl: undefined,
    postgresPort: await freePort(),
    httpPort: await freePort(),
    httpHost: '127.0.0.1',
  };
  const stack = await startStack({ env, worker: o.worker });
  return {
    ...stack,
    env,
    teardown: async () => {
      await stack.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns non-null. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
