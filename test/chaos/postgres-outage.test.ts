// Scenario 3: PostgreSQL stopped (fast, then SIGKILL) for 20 s under serving load on 2 replicas, one replica killed while it holds a spill.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { chaosFor } from './seed.js';
import { byStatus, startLoad, type Answer } from './load.js';
import { checkLog, loggedCounts } from './logCheck.js';
import { reportRow } from './report.js';
import { deadReplicas, MODEL, servingReady, startServingCluster, tinyInstance, type ServingCluster } from './servingCluster.js';

const OUTAGE_MS = Number(process.env.MLCYCLE_CHAOS_OUTAGE_S ?? 20) * 1000;
let s: ServingCluster;

before(async () => {
  s = await startServingCluster({ replicas: 2 });
});
after(async () => {
  await s?.teardown();
});

/** Polls the log until every answered instance is there (or the time is up); the time it took from `since`. */
async function recovered(answers: Answer[], since: number, timeoutMs = 120_000): Promise<{ ms: number; check: ReturnType<typeof checkLog> }> {
  for (;;) {
    const check = checkLog(answers, await loggedCounts(s.cluster.db, MODEL).catch(() => new Map<string, number>()));
    if (check.lost.length === 0 || Date.now() - since > timeoutMs) return { ms: Date.now() - since, check };
    await sleep(250);
  }
}

for (const mode of ['fast', 'kill'] as const) {
  test(`PostgreSQL ${mode === 'fast' ? 'stopped (fast shutdown)' : 'SIGKILLed'} for ${OUTAGE_MS / 1000} s under load: every answer logged once, the rest 503 with Retry-After`, async () => {
    const chaos = chaosFor(`postgres-${mode}`);
    const load = startLoad({ url: s.cluster.balancer.url, model: MODEL, concurrency: 8, instancesPerRequest: 10, instance: tinyInstance, prefix: `pg-${mode}-${chaos.seed}`, pauseMs: 5 });
    await sleep(chaos.int(1000, 4000));
    const downAt = Date.now();
    await (mode === 'fast' ? s.pg.stopFast() : s.pg.kill());
    await sleep(OUTAGE_MS - (Date.now() - downAt));
    await s.pg.start();
    const upAt = Date.now();
    await sleep(chaos.int(2000, 5000));
    const answers = await load.stop();
    const { ms, check } = await recovered(answers, upAt);
    const statuses = byStatus(answers);
    const during = answers.filter((a) => a.at > downAt && a.at < upAt);
    reportRow({
      scenario: `3. PostgreSQL ${mode === 'fast' ? 'stopped' : 'SIGKILLed'} ${OUTAGE_MS / 1000} s under load, 2 replicas`,
      runs: 1, faults: 1, seed: chaos.seed,
      outcome: `${check.answered} instances answered 200 (${during.filter((a) => a.status === 200).length} requests during the outage); other answers ${JSON.stringify(Object.fromEntries(Object.entries(statuses).filter(([k]) => k !== '200')))}`,
      lost: check.lost.length, duplicated: check.duplicated.length,
      figures: { 'all answered rows queryable after restart (s)': (ms / 1000).toFixed(1) },
    });
    assert.deepEqual(deadReplicas(s.cluster), [], 'every replica lived through the outage');
    assert.deepEqual(check.lost.slice(0, 5), [], `${check.lost.length} answered instances are not in the log`);
    assert.deepEqual(check.duplicated.slice(0, 5), [], `${check.duplicated.length} instances are logged twice`);
    assert.deepEqual(check.refusedButLogged.slice(0, 5), [], 'a request refused with 503 left rows in the log');
    assert.ok(during.some((a) => a.status === 200), 'requests were answered while PostgreSQL was away');
    for (const a of answers.filter((x) => x.status !== 200)) {
      assert.equal(a.status, 503, `an answer other than 200 or 503: ${a.status} ${a.error ?? ''}`);
      assert.ok(a.retryAfter !== null, 'a 503 says when to retry');
    }
  });
}

test(`a replica SIGKILLed while PostgreSQL is away and it holds a spill: restarted, it replays the spill; losses only within one log interval`, async () => {
  const chaos = chaosFor('replica-kill-with-spill');
  const victim = chaos.int(0, s.cluster.info.replicas.length - 1);
  const load = startLoad({ url: s.cluster.balancer.url, model: MODEL, concurrency: 8, instancesPerRequest: 10, instance: tinyInstance, prefix: `spill-${chaos.seed}`, pauseMs: 5 });
  await sleep(chaos.int(1000, 3000));
  const downAt = Date.now();
  await s.pg.stopFast();
  await sleep(chaos.int(3000, Math.max(3000, OUTAGE_MS - 5000)));
  const health = (await (await fetch(`${s.cluster.info.replicas[victim].url}/healthz`)).json()) as { predictionLog: { spillBytes: number; pending: number } };
  const proc = s.cluster.processes.find((p) => p.name === `serving-${victim + 1}` && p.child.exitCode === null && p.child.signalCode === null);
  assert.ok(proc, `replica ${victim} is running`);
  proc.child.kill('SIGKILL');
  const killedAt = Date.now();
  await proc.exited;
  await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
  await s.pg.start();
  const upAt = Date.now();
  await s.cluster.restartReplica(victim);
  await servingReady(s.cluster.info.replicas[victim].url);
  await sleep(2000);
  const answers = await load.stop();
  // Recovered when the restarted replica has replayed its spill and every replica's buffer is written.
  const drained = async (): Promise<boolean> => {
    for (const r of s.cluster.info.replicas) {
      const h = (await (await fetch(`${r.url}/healthz`)).json()) as { predictionLog: { spillBytes: number; pending: number; postgresAway: boolean } };
      if (h.predictionLog.spillBytes > 0 || h.predictionLog.pending > 0 || h.predictionLog.postgresAway) return false;
    }
    return true;
  };
  while (!(await drained().catch(() => false)) && Date.now() - upAt < 120_000) await sleep(250);
  const ms = Date.now() - upAt;
  const check = checkLog(answers, await loggedCounts(s.cluster.db, MODEL));
  // The promise: a crash loses at most what was answered in the last log interval (200 ms) before it, plus the write attempt.
  const byId = new Map(answers.flatMap((a) => a.ids.map((id) => [id, a.at] as const)));
  const outside = check.lost.filter((id) => (byId.get(id) ?? 0) < killedAt - 1500);
  reportRow({
    scenario: '3b. a replica SIGKILLed during the outage, holding a spill, restarted',
    runs: 1, faults: 2, seed: chaos.seed,
    outcome: `spill at the kill ${health.predictionLog.spillBytes} bytes, ${health.predictionLog.pending} in memory; ${check.answered} answered; lost only within 1.5 s before the kill: ${outside.length === 0 ? 'yes' : 'no'}`,
    lost: check.lost.length, duplicated: check.duplicated.length,
    figures: { 'spill replayed and buffers written after PostgreSQL restarted (s)': (ms / 1000).toFixed(1), 'lost in the last interval': check.lost.length },
  });
  assert.ok(health.predictionLog.spillBytes > 0, 'the replica held a spill when it was killed');
  assert.deepEqual(outside.slice(0, 5), [], `${outside.length} instances answered more than 1.5 s before the kill are not in the log`);
  assert.deepEqual(check.duplicated.slice(0, 5), [], `${check.duplicated.length} instances are logged twice`);
});
