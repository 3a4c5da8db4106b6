// Scenario 1: workers SIGKILLed at seeded points (one of two, sometimes both) across 20 lifecycle runs with user steps and parallel branches.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LifecycleResult } from '../../contracts/types.js';
import { startLifecycle, type StartedRun } from '../../triggers/client.js';
import { startTestCluster, type TestCluster } from '../cluster/harness.js';
import { chaosFor } from './seed.js';
import { reportRow } from './report.js';
import { chaosPipeline, orphanedObjects, startEffectsReceiver, writeRunData } from './runEffects.js';

const RUNS = Number(process.env.MLCYCLE_CHAOS_RUNS ?? 20);
const AT_ONCE = 5;
let cluster: TestCluster;
let receiver: Awaited<ReturnType<typeof startEffectsReceiver>>;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-chaos-runs-'));
  receiver = await startEffectsReceiver();
  cluster = await startTestCluster({ workers: 2, replicas: 1 });
});
after(async () => {
  await cluster?.teardown();
  await receiver?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Activity attempts after the first in a run's history (each one an attempt a kill cut short, or a step's own retry). */
async function retriedAttempts(run: StartedRun): Promise<number> {
  const events = (await run.handle.fetchHistory()).events ?? [];
  return events.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
}

const liveWorkers = () => cluster.processes.filter((p) => p.name.startsWith('worker-') && p.child.exitCode === null && p.child.signalCode === null);

test('20 lifecycle runs while workers are SIGKILLed: all complete, every effect once, nothing orphaned, memoized steps reused', async () => {
  const chaos = chaosFor('worker-kill');
  const files = await writeRunData(dir, RUNS, chaos);
  const names = files.map((_, i) => `chaos-life-${chaos.seed}-${i}`);
  const pauses = files.map(() => chaos.int(0, 3000));
  const started: StartedRun[] = [];
  const results: LifecycleResult[] = [];
  let finished = false;
  let kills = 0;
  let bothKilled = 0;

  // The killer: every 3-10 s one worker (or both: the seeded first-to-third strike, then one time in five), restarted 0.5-6 s later.
  const bothAt = chaos.int(1, 3);
  const killer = (async () => {
    for (let strike = 1; !finished; strike++) {
      await sleep(chaos.int(3000, 10_000));
      if (finished) break;
      const alive = liveWorkers();
      const victims = strike === bothAt || chaos.next() < 0.2 ? alive : [chaos.pick(alive)];
      for (const v of victims) v.child.kill('SIGKILL');
      await Promise.all(victims.map((v) => v.exited));
      kills += victims.length;
      if (victims.length > 1) bothKilled++;
      await sleep(chaos.int(500, 6000));
      for (let i = liveWorkers().length; i < 2; i++) await cluster.addWorker();
    }
  })();

  // AT_ONCE runs in flight at a time, each on its own data.
  let next = 0;
  await Promise.all(Array.from({ length: AT_ONCE }, async () => {
    while (next < RUNS) {
      const i = next++;
      const run = await startLifecycle(cluster, chaosPipeline(names[i], files[i], receiver.url, pauses[i]), { reason: 'chaos: worker kills' });
      started.push(run);
      results.push((await run.handle.result()) as LifecycleResult);
    }
  }));
  finished = true;
  await killer;
  for (let i = liveWorkers().length; i < 2; i++) await cluster.addWorker();

  const db = cluster.db;
  const count = async (sql: string, args: unknown[]): Promise<Map<string, number>> =>
    new Map((await db.query<{ k: string; n: number }>(sql, args)).rows.map((r) => [r.k, r.n]));
  const versions = await count('SELECT name AS k, COUNT(*)::int AS n FROM model_versions WHERE name = ANY($1) GROUP BY name', [names]);
  const snapshots = await count('SELECT pipeline AS k, COUNT(*)::int AS n FROM datasets WHERE pipeline = ANY($1) GROUP BY pipeline', [names]);
  const trials = await count('SELECT run_id AS k, COUNT(*)::int AS n FROM trials WHERE run_id = ANY($1) GROUP BY run_id', [started.map((r) => r.workflowId)]);
  const audits = await count("SELECT split_part(subject, '@', 1) || ' ' || action AS k, COUNT(*)::int AS n FROM audit_log WHERE split_part(subject, '@', 1) = ANY($1) GROUP BY 1", [names]);
  const steps = await count("SELECT run_id || ' ' || step_id AS k, COUNT(*)::int AS n FROM step_runs WHERE run_id = ANY($1) AND status <> 'failed' GROUP BY 1", [started.map((r) => r.workflowId)]);
  const effects = started.map((r) => `${r.workflowId}/effect`);
  const { objects, orphans } = await orphanedObjects(db, cluster.info.clientEnv);

  const lost = names.filter((n) => versions.get(n) !== 1).length + effects.filter((k) => !receiver.deliveries.has(k)).length;
  const twice = (m: Map<string, number>, want = 1): string[] => [...m].filter(([, n]) => n > want).map(([k, n]) => `${k} ×${n}`);
  const duplicated = [...twice(versions), ...twice(snapshots, 2), ...twice(trials, 3), ...twice(audits), ...twice(steps)];
  const redelivered = [...receiver.deliveries.values()].filter((n) => n > 1).length;
  const retried = (await Promise.all(started.map((r) => retriedAttempts(r)))).reduce((a, b) => a + b, 0);

  // The memo survived the kills: each pipeline again on the same data reuses every cacheable step and trains nothing.
  const rerun = [];
  for (const i of [0, 1, 2]) {
    const again = await startLifecycle(cluster, chaosPipeline(names[i], files[i], receiver.url, pauses[i]), { rerun: true, reason: 'chaos: memo after kills' });
    rerun.push((await again.handle.result()) as LifecycleResult);
  }
  // rollout and effect act on the world, so they never come from the memo; every other step must.
  const executedAgain = rerun.flatMap((r) => r.steps.filter((s) => s.state !== 'reused' && s.id !== 'rollout' && s.id !== 'effect').map((s) => s.id));
  const versionsAfter = await count('SELECT name AS k, COUNT(*)::int AS n FROM model_versions WHERE name = ANY($1) GROUP BY name', [names]);

  reportRow({
    scenario: '1. workers SIGKILLed across lifecycle runs (2 workers; user steps, parallel branches)',
    runs: RUNS, faults: kills, seed: chaos.seed,
    outcome: `${kills} workers killed (${bothKilled} times both at once), ${retried} activity attempts cut short and retried; ${results.filter((r) => r.model).length}/${RUNS} completed with a model, ${effects.filter((k) => receiver.deliveries.has(k)).length} effects received; ${orphans.length} orphaned of ${objects} objects; memo rerun executed ${executedAgain.length} steps`,
    lost, duplicated: duplicated.length,
    figures: { 'effects redelivered (same idempotency key, one effect)': redelivered },
  });
  assert.ok(kills > 0 && bothKilled > 0, 'the killer struck, once at least at both workers');
  assert.ok(retried > 0, 'a kill cut an activity short');
  assert.equal(results.filter((r) => r.model?.version === 1 && r.deployment?.role === 'champion').length, RUNS, 'every run registered version 1 and served it');
  assert.deepEqual(duplicated, [], 'no effect twice');
  assert.equal(lost, 0, 'a model and an effect for every run');
  for (const n of names) assert.equal(snapshots.get(n), 2, `${n}: its ingest and prepare snapshots`);
  for (const r of started) assert.equal(trials.get(r.workflowId), 3, `${r.workflowId}: three trials`);
  assert.deepEqual(orphans, [], 'every object in the bucket is named by a row');
  assert.deepEqual(executedAgain, [], 'the memo reran nothing');
  assert.deepEqual([...versionsAfter.values()].filter((n) => n !== 1), [], 'the rerun registered no version');
});
