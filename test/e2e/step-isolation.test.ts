// User steps on a real worker, each in its own thread: one that spins and one that leaks fail named (StepTimedOut, StepOutOfMemory) while a run beside them completes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { LifecycleResult } from '../../contracts/types.js';
import { startLifecycle } from '../../triggers/client.js';
import { startTestStack, type TestStack } from '../harness.js';

const MODULE = join(PROJECT_ROOT, 'test/chaos/fixtures/neighbours.ts');
let stack: TestStack;
let memory: string | undefined;

before(async () => {
  // The worker runs in this process: a small heap limit makes the leak short.
  memory = process.env.MLCYCLE_STEP_MEMORY_MB;
  process.env.MLCYCLE_STEP_MEMORY_MB = '96';
  stack = await startTestStack();
});
after(async () => {
  await stack?.teardown();
  if (memory === undefined) delete process.env.MLCYCLE_STEP_MEMORY_MB;
  else process.env.MLCYCLE_STEP_MEMORY_MB = memory;
});

async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await run.then(() => assert.fail('the run must fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
  return err.cause;
}

test('a spinning step is stopped at its timeout and a leaking one at its heap limit, named, while a run beside them completes', async () => {
  const spin = await startLifecycle(stack, {
    name: 'iso-spin', modules: [MODULE], steps: [{ id: 'spin', uses: 'spin', with: { seconds: 60 }, timeoutSeconds: 2, retry: { maximumAttempts: 2, initialIntervalSeconds: 0.1 } }],
  });
  const leak = await startLifecycle(stack, {
    name: 'iso-leak', modules: [MODULE], steps: [{ id: 'leak', uses: 'leak', with: { megabytes: 4000, mbPerTick: 8 }, timeoutSeconds: 30 }],
  });
  const calm = await startLifecycle(stack, {
    name: 'iso-calm', modules: [MODULE], steps: [{ id: 'a', uses: 'tick' }, { id: 'b', uses: 'tick', needs: ['a'] }, { id: 'c', uses: 'tick', needs: ['b'] }],
  });
  const [spun, leaked, done] = await Promise.all([failureOf(spin.handle.result()), failureOf(leak.handle.result()), calm.handle.result() as Promise<LifecycleResult>]);
  assert.equal(spun.type, 'StepTimedOut');
  assert.equal(spun.message, 'step "spin" failed: did not finish within its timeout of 2 s and was stopped');
  assert.equal(leaked.type, 'StepOutOfMemory');
  assert.equal(leaked.message, 'step "leak" failed: ran out of memory: its heap passed the limit of 96 MB and was stopped');
  assert.deepEqual(done.steps.map((s) => [s.id, s.state, s.summary]), [['a', 'done', 'a done at attempt 1'], ['b', 'done', 'b done at attempt 1'], ['c', 'done', 'c done at attempt 1']]);
  // The timeout is retried within the step's bounds (2 attempts); running out of memory is not retried.
  const attempts = async (id: string, runId: string) =>
    ((await stack.client.workflow.getHandle(id, runId).fetchHistory()).events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes?.attempt);
  assert.deepEqual(await attempts(spin.workflowId, spin.runId), [2]);
  assert.deepEqual(await attempts(leak.workflowId, leak.runId), [1]);
});
