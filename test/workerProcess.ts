// A worker in its own process against a test stack (one node process with tsx's loader, so SIGKILL kills the worker itself); resolves once it polls.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/env.js';
import type { TestStack } from './harness.js';

export async function spawnWorker(stack: TestStack, children: ChildProcess[], env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'worker/main.ts')], {
    env: {
      ...process.env, ...env,
      TEMPORAL_ADDRESS: stack.info.temporalAddress, DATABASE_URL: stack.info.databaseUrl,
      MLCYCLE_STATE_DIR: stack.env.stateDir, MLCYCLE_ARTIFACT_DIR: stack.env.artifactDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('polling')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${output}`)));
  });
  return child;
}
