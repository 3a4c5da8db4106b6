// A worker SIGKILLed in the middle of a run is replaced: the run completes, with one model version and no repeated trial.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { DEFAULT_STEPS } from '../../lib/steps/catalog.js';
import { completeResult, resolvePipeline, startLifecycle } from '../../triggers/client.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { spawnWorker as spawnWorkerProcess } from '../workerProcess.js';

let stack: TestStack;
const children: ChildProcess[] = [];

before(async () => {
  stack = await startTestStack({ worker: false });
});
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await stack?.teardown();
});

/** A worker in its own process, as in production; resolves once it polls. */
const spawnWorker = (): Promise<ChildProcess> => spawnWorkerProcess(stack, children);

/** runTrial activities that completed in a history, by trial id, with the attempt that completed them. */
async function completedTrials(handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }): Promise<Map<string, number>> {
  type Event = {
    eventId?: { toString(): string } | null;
    activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null; input?: { payloads?: { data?: Uint8Array | null }[] | null } | null } | null;
    activityTaskStartedEventAttributes?: { scheduledEventId?: { toString(): string } | null; attempt?: number | null } | null;
    activityTaskCompletedEventAttributes?: { scheduledEventId?: { toString(): string } | null; startedEventId?: { toString(): string } | null } | null;
  };
  const events = ((await handle.fetchHistory()).events ?? []) as Event[];
  const trialOf = new Map<string, string>();
  const attemptOf = new Map<string, number>();
  const done = new Map<string, number>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'runTrial') {
      const input = JSON.parse(new TextDecoder().decode(scheduled.input?.payloads?.[0]?.data ?? new Uint8Array())) as { trial: { trialId: string } };
      trialOf.set(String(e.eventId), input.trial.trialId);
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) attemptOf.set(String(e.eventId), started.attempt ?? 1);
    const completed = e.activityTaskCompletedEventAttributes;
    const trial = completed ? trialOf.get(String(completed.scheduledEventId)) : undefined;
    if (completed && trial) done.set(trial, attemptOf.get(String(completed.startedEventId)) ?? 0);
  }
  return done;
}

test('SIGKILL of the worker mid-search: a new worker finishes it, finished trials are not rerun, the winner is the uninterrupted one', async () => {
  const base = await resolvePipeline('seattle-weather');
  // Trials long enough (GBDT, 5 folds, two at a time) that the kill lands inside the search. The optimize step's
  // 20 s timeout is also its heartbeat timeout, so the trials cut short are retried 20 s after the kill, not 60 s.
  const pipeline = {
    ...base,
    name: 'weather-crash',
    steps: DEFAULT_STEPS.map((s) => ({ ...s, needs: [...s.needs], ...(s.id === 'optimize' ? { timeoutSeconds: 20 } : {}) })),
    search: { ...base.search, maxParallelTrials: 2, space: { gbdt: { nEstimators: [150], learningRate: [0.05, 0.1], maxLeaves: [7, 15, 31] } } },
  };
  const first = await spawnWorker();
  const run = await startLifecycle(stack, pipeline, { reason: 'crash test' });

  // Kill the worker as soon as the first trial has completed: the search is mid-flight.
  const beforeKill = await eventually('the first completed trial', 120_000, async () => {
    const done = await completedTrials(run.handle);
    return done.size > 0 ? done : null;
  });
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  assert.ok(beforeKill.size < 6, `the kill came after ${beforeKill.size} of 6 trials`);

  await spawnWorker();
  const result = completeResult(await run.handle.result());
  assert.equal(result.model.version, 1);
  assert.equal(result.deployment?.role, 'champion');

  const versions = await stack.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM model_versions WHERE name = $1', [pipeline.name]);
  assert.equal(versions.rows[0].n, 1, 'no duplicate model version');
  const trials = await stack.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM trials WHERE run_id = $1', [run.workflowId]);
  assert.equal(trials.rows[0].n, 6);
  const after = await completedTrials(run.handle);
  assert.equal(after.size, 6, 'every trial completed once');
  for (const [trial, attempt] of beforeKill) assert.equal(after.get(trial), attempt, `${trial} finished before the kill and was not run again`);
  const deployments = await stack.db.query('SELECT champion_version FROM deployments WHERE model_name = $1', [pipeline.name]);
  assert.deepEqual(deployments.rows, [{ champion_version: 1 }]);

  // The same search without a crash picks the same winner with the same score.
  const again = await startLifecycle(stack, pipeline, { rerun: true, noCache: true, reason: 'uninterrupted' });
  const uninterrupted = completeResult(await again.handle.result());
  assert.deepEqual(uninterrupted.bestTrial, result.bestTrial);
});
