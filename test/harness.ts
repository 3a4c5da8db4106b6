// Test harness: a real stack (Temporal dev server + embedded PostgreSQL) on free ports in a temporary state folder.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, type MlcycleEnv } from '../lib/config/env.js';
import { startStack, type Stack } from '../stack/stack.js';
import { registerStartApi } from '../triggers/httpApi.js';

/** True when nothing listens on 127.0.0.1:port. */
export function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below the kernel's ephemeral range (32768+): the Temporal dev server takes ephemeral ports for its
 * internal services at start, so a port the OS handed us a moment ago could be handed to it too.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await bindable(port)) return port;
  }
  throw new Error('no free port found in 20000-32000');
}

export interface TestStack extends Stack {
  env: MlcycleEnv;
  /** Stops the stack and removes its state folder. */
  teardown(): Promise<void>;
}

/**
 * `env` overrides the test stack's settings (e.g. `codec` for encrypted payloads, `tokens`); `processEnv` is where the
 * stack reads variables it takes from the process (MLCYCLE_S3_* and AWS_* for artifacts in S3: test/s3Server.ts).
 */
export async function startTestStack(o: { worker?: boolean; env?: Partial<MlcycleEnv>; processEnv?: NodeJS.ProcessEnv } = {}): Promise<TestStack> {
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
    tokens: null,
    // The examples, and the temporary folders tests write pipelines to.
    dataRoots: [join(PROJECT_ROOT, 'examples'), tmpdir()],
    aggregateFlushMs: 500,
    ...o.env,
  };
  // A port taken by someone else between our check and the server's bind: try once more on other ports.
  const stack = await startStack({ env, worker: o.worker, extendApp: registerStartApi, processEnv: o.processEnv }).catch(async (err: unknown) => {
    process.stderr.write(`test stack failed to start (${(err as Error).message.split('\n')[0]}); retrying on other ports\n`);
    Object.assign(env, { temporalPort: await freePort(), temporalUiPort: await freePort(), postgresPort: await freePort(), httpPort: await freePort() });
    return startStack({ env, worker: o.worker, extendApp: registerStartApi, processEnv: o.processEnv });
  });
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

export interface WebhookReceiver<T> {
  url: string;
  received: T[];
  close(): void;
}

/** A local webhook receiver (something outside the project, so a fake is fine): collects the JSON bodies POSTed to it. */
export async function webhookReceiver<T>(): Promise<WebhookReceiver<T>> {
  const received: T[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as T);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/events`, received, close: () => void server.close() };
}
