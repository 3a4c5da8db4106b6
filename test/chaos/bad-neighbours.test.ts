// Scenario 8: a step that spins the CPU and one that leaks memory, on a worker that also serves small runs: stopped, named, and the others not starved.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { tsToMs } from '@temporalio/common';
import proto, { type temporal } from '@temporalio/proto';
import type { PipelineInput } from '../../lib/config/pipeline.js';
import { failureTypeOf, rootMessage } from '../../contracts/failures.js';
import { startLifecycle, type StartedRun } from '../../triggers/client.js';
import { startTestCluster, type TestCluster } from '../cluster/harness.js';
import { chaosFor } from './seed.js';
import { reportRow } from './report.js';

type Event = temporal.api.history.v1.IHistoryEvent;
const MODULE = join(import.meta.dirname, 'fixtures/neighbours.ts');
const SPIN_TIMEOUT_S = 8;
let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster({ workers: 1, replicas: 1 });
});
after(async () => {
  await cluster?.teardown();
});

/** A well-behaved run: three small steps in a chain. */
const neighbour = (i: number): PipelineInput => ({
  name: `neighbour-${i}`, modules: [MODULE],
  steps: [{ id: 'a', uses: 'tick' }, { id: 'b', uses: 'tick', needs: ['a'] }, { id: 'c', uses: 'tick', needs: ['b'] }],
});

/** Schedule-to-start of every activity and workflow task of a run, from its history (ms), and its activities' retries. */
async function latencies(run: StartedRun): Promise<{ activity: number[]; toClose: number[]; scheduledAt: number[]; workflowTask: number[]; retried: number; runMs: number }> {
  const events: Event[] = (await cluster.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory()).events ?? [];
  const at = new Map(events.map((e) => [Number(e.eventId), tsToMs(e.eventTime)]));
  const activity: number[] = [];
  const toClose: number[] = [];
  const scheduledAt: number[] = [];
  const workflowTask: number[] = [];
  let retried = 0;
  for (const e of events) {
    const a = e.activityTaskStartedEventAttributes;
    if (a) {
      activity.push(tsToMs(e.eventTime) - (at.get(Number(a.scheduledEventId)) ?? NaN));
      if ((a.attempt ?? 1) > 1) retried++;
    }
    if (e.activityTaskScheduledEventAttributes) scheduledAt.push(tsToMs(e.eventTime));
    const c = e.activityTaskCompletedEventAttributes;
    if (c) toClose.push(tsToMs(e.eventTime) - (at.get(Number(c.scheduledEventId)) ?? NaN));
    const w = e.workflowTaskStartedEventAttributes;
    if (w) workflowTask.push(tsToMs(e.eventTime) - (at.get(Number(w.scheduledEventId)) ?? NaN));
  }
  const runMs = events.length > 0 ? tsToMs(events[events.length - 1].eventTime) - tsToMs(events[0].eventTime) : NaN;
  return { activity, toClose, scheduledAt, workflowTask, retried, runMs };
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** Starts `n` neighbour runs (spaced by the seed) and waits for them, at most `ms`; their latencies pooled. */
async function neighbours(tag: string, n: number, space: () => number, ms = 180_000) {
  const runs: StartedRun[] = [];
  for (let i = 0; i < n; i++) {
    runs.push(await startLifecycle(cluster, neighbour(i), { reason: `chaos 8: ${tag}` }));
    await sleep(space());
  }
  const deadline = sleep(ms, undefined, { ref: false }).then(() => 'timed out' as const);
  const outcomes = await Promise.all(runs.map((r) => Promise.race([r.handle.result().then(() => 'completed' as const, () => 'failed' as const), deadline])));
  const pooled = { activity: [] as number[], toClose: [] as number[], scheduledAt: [] as number[], workflowTask: [] as number[], runMs: [] as number[], retried: 0 };
  for (const r of runs) {
    const l = await latencies(r);
    pooled.activity.push(...l.activity);
    pooled.toClose.push(...l.toClose);
    pooled.scheduledAt.push(...l.scheduledAt);
    pooled.runMs.push(l.runMs);
    pooled.workflowTask.push(...l.workflowTask);
    pooled.retried += l.retried;
  }
  return { completed: outcomes.filter((o) => o === 'completed').length, outcomes, ...pooled };
}

/** Waits until the run's one step activity is running on the worker (false: not within `ms`, a worker too busy to take it). */
async function stepStarted(run: StartedRun, ms = 30_000): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(200)) {
    const d = await run.handle.describe();
    if ((d.raw.pendingActivities ?? []).some((p) => p.state === proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)) return true;
  }
  return false;
}

/** How a bad run ended: its failure type and message, that it completed, or that it had not ended within `ms` (a dead worker). */
async function ending(run: StartedRun, ms = 120_000): Promise<{ type: string | null; message: string; at: number }> {
  const ended = run.handle.result().then(() => ({ type: 'completed', message: '', at: Date.now() }), (e: unknown) => ({ type: failureTypeOf(e), message: rootMessage(e), at: Date.now() }));
  return Promise.race([ended, sleep(ms, undefined, { ref: false }).then(() => ({ type: 'not ended', message: `not ended ${ms / 1000} s after the others`, at: Date.now() }))]);
}

test('a spinning step and a leaking step are stopped and named; the runs beside them on the same worker are served', async () => {
  const chaos = chaosFor('bad-neighbours');
  const n = chaos.int(5, 8);
  const space = () => chaos.int(50, 400);
  // Without bad neighbours: the worker's ordinary schedule-to-start.
  const calm = await neighbours('without bad neighbours', n, space);

  const spinRun = await startLifecycle(cluster, {
    name: 'spinner', modules: [MODULE],
    steps: [{ id: 'spin', uses: 'spin', with: { seconds: 20 }, timeoutSeconds: SPIN_TIMEOUT_S, retry: { maximumAttempts: 2, initialIntervalSeconds: 1 } }],
  }, { reason: 'chaos 8: spins' });
  const leakRun = await startLifecycle(cluster, {
    name: 'leaker', modules: [MODULE],
    steps: [{ id: 'leak', uses: 'leak', with: { megabytes: 2000, pauseMs: 250 }, timeoutSeconds: 60, retry: { maximumAttempts: 2, initialIntervalSeconds: 1 } }],
  }, { reason: 'chaos 8: leaks' });
  const started = await Promise.all([stepStarted(spinRun), stepStarted(leakRun)]);
  const badFrom = Date.now();
  await sleep(chaos.int(0, 1000));
  const endings = Promise.all([ending(spinRun), ending(leakRun)]);
  const busy = await neighbours('beside a spinning and a leaking step', n, space);
  const [spun, leaked] = await endings;
  // The neighbours' steps scheduled while both bad steps were running.
  const beside = busy.scheduledAt.filter((t) => t >= badFrom && t <= Math.min(spun.at, leaked.at)).length;
  const workerAlive = cluster.processes.filter((p) => p.name.startsWith('worker-') && p.child.exitCode === null && p.child.signalCode === null).length;

  const ms = (x: number) => `${Math.round(x)}`;
  const row = {
    scenario: '8. bad neighbours: a step spinning the CPU and one leaking memory, beside small runs on 1 worker',
    runs: 2 + 2 * n, faults: 2, seed: chaos.seed,
    outcome: `spin: ${spun.type}; leak: ${leaked.type}; ${busy.completed}/${n} neighbour runs completed beside them (${calm.completed}/${n} without); activity schedule-to-start p50/max ${ms(quantile(busy.activity, 0.5))}/${ms(Math.max(...busy.activity))} ms beside them, ${ms(quantile(calm.activity, 0.5))}/${ms(Math.max(...calm.activity))} ms without`,
    lost: n - busy.completed, duplicated: busy.retried,
    figures: {
      'spin failure': `${spun.type}: ${spun.message}`, 'leak failure': `${leaked.type}: ${leaked.message}`,
      'step schedule-to-close p50/max beside / without (ms)': `${ms(quantile(busy.toClose, 0.5))}/${ms(Math.max(...busy.toClose))} / ${ms(quantile(calm.toClose, 0.5))}/${ms(Math.max(...calm.toClose))}`,
      'neighbour run start-to-close p50/max beside / without (ms)': `${ms(quantile(busy.runMs, 0.5))}/${ms(Math.max(...busy.runMs))} / ${ms(quantile(calm.runMs, 0.5))}/${ms(Math.max(...calm.runMs))}`,
      'workflow task schedule-to-start p50/max beside / without (ms)': `${ms(quantile(busy.workflowTask, 0.5))}/${ms(Math.max(...busy.workflowTask))} / ${ms(quantile(calm.workflowTask, 0.5))}/${ms(Math.max(...calm.workflowTask))}`,
      'neighbour steps scheduled while both bad steps ran': `${beside} of ${busy.scheduledAt.length}`,
      'worker processes alive at the end': workerAlive, 'bad steps started within 30 s (spin, leak)': started.join(', '),
    },
  };
  reportRow(row);
  for (const [k, v] of Object.entries(row.figures)) process.stderr.write(`  [chaos]   ${k}: ${v}\n`);
  assert.equal(calm.completed, n, `without bad neighbours: ${calm.outcomes.join(', ')}`);
  assert.equal(spun.type, 'StepTimedOut', `the spinning step: ${spun.type} ${spun.message}`);
  assert.equal(leaked.type, 'StepOutOfMemory', `the leaking step: ${leaked.type} ${leaked.message}`);
  assert.equal(busy.completed, n, `beside bad neighbours: ${busy.outcomes.join(', ')}`);
  assert.equal(workerAlive, 1, 'the worker lived through both');
  assert.ok(started.every(Boolean), 'both bad steps started');
  assert.ok(beside > 0, 'neighbour steps ran while both bad steps did');
  // Not starved. ActivityTaskStarted is written when the SDK's outstanding poll takes the task, even while the worker's
  // event loop is blocked, so schedule-to-start alone cannot show starvation: the runs' and steps' durations do.
  assert.ok(Math.max(...busy.activity) < SPIN_TIMEOUT_S * 1000, `a neighbour's step waited ${ms(Math.max(...busy.activity))} ms to start`);
  assert.ok(Math.max(...busy.workflowTask) < SPIN_TIMEOUT_S * 1000, `a neighbour's workflow task waited ${ms(Math.max(...busy.workflowTask))} ms to start`);
  // Before isolation a spinning step held the neighbour runs' workflow tasks too (their steps were not even scheduled):
  // the median run then took 42.6 s beside it, 0.5 s without.
  assert.ok(quantile(busy.runMs, 0.5) <= quantile(calm.runMs, 0.5) + SPIN_TIMEOUT_S * 1000, `the median neighbour run took ${ms(quantile(busy.runMs, 0.5))} ms beside them, ${ms(quantile(calm.runMs, 0.5))} ms without`);
  assert.ok(quantile(busy.toClose, 0.5) <= quantile(calm.toClose, 0.5) + 1000, `the median neighbour step took ${ms(quantile(busy.toClose, 0.5))} ms beside them, ${ms(quantile(calm.toClose, 0.5))} ms without`);
});
