// The Temporal server killed and restarted 4 s later while a step finishes: the outcome reaches it and the step runs once.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { LifecycleResult } from '../../contracts/types.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { startLifecycle } from '../../triggers/client.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';

const CONTROL = join(PROJECT_ROOT, 'test/fixtures/steps/control.ts');
// The SDK's core retries a completion for 10 s (sdk-core RetryOptions: max_elapsed_time, not settable from TypeScript);
// an outage longer than that after a step finishes brings a second attempt at the heartbeat timeout (README, Chaos).
const AWAY_MS = 4_000;
const FINISH_MS = 1_000;
let stack: TestStack;
let dir = '';
let restarted: ChildProcess | null = null;

before(async () => {
  stack = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-away-'));
});
after(async () => {
  await stack?.teardown();
  if (restarted && restarted.exitCode === null) {
    restarted.kill('SIGTERM');
    await new Promise((r) => restarted?.once('exit', r));
  }
  await rm(dir, { recursive: true, force: true });
});

/** The pid of this stack's Temporal dev server (the only process listening on its port). */
function devServerPid(port: number): number {
  const pids = execFileSync('pgrep', ['-f', `start-dev .*--port ${port} `], { encoding: 'utf8' }).trim().split('\n').map(Number);
  assert.equal(pids.length, 1, `one dev server on port ${port}: ${pids.join(', ')}`);
  return pids[0];
}

test(`a step that finishes while the Temporal server is down for ${AWAY_MS / 1000} s is taken when it is back, on its first attempt: it runs once`, async () => {
  // Heartbeat timeout 60 s: a dropped outcome would bring a second attempt a minute later.
  const run = await startLifecycle(stack, { name: 'server-away', modules: [CONTROL], steps: [{ id: 'hand', uses: 'hand-off', with: { dir }, timeoutSeconds: 120 }] });
  await eventually('the step to start', 60_000, async () => (existsSync(join(dir, 'started')) ? true : null));
  // SIGKILL, then the same command on the same database file: what a crashed server and its restart look like.
  const pid = devServerPid(stack.env.temporalPort);
  const [command, ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  process.kill(pid, 'SIGKILL');
  // The step finishes 1 s into the outage, so its outcome must outlast 3 s without a server and the restart.
  await new Promise((r) => setTimeout(r, FINISH_MS));
  await writeFile(join(dir, 'go'), '');
  await new Promise((r) => setTimeout(r, AWAY_MS - FINISH_MS));
  restarted = spawn(command, args, { stdio: 'ignore' });

  const result = (await run.handle.result()) as LifecycleResult;
  assert.deepEqual(result.steps.map((s) => [s.id, s.state]), [['hand', 'done']]);
  assert.equal(await readFile(join(dir, 'calls'), 'utf8'), 'attempt 1\n', 'the step ran once');
  const events = (await run.handle.fetchHistory()).events ?? [];
  const started = events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes?.attempt);
  assert.deepEqual(started, [1], 'one attempt, completed');
  assert.equal(events.filter((e) => e.activityTaskCompletedEventAttributes).length, 1);
});
