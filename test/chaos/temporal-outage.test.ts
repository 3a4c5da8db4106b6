// Scenario 2: the Temporal server (one process: frontend, history, matching, worker) SIGKILLed and restarted, then frozen 30 s (SIGSTOP/SIGCONT), mid-run.
// The 30 s without a server is a SIGSTOP: connections stay open and hang, as in a network partition (nothing refuses, nothing answers).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { completeResult } from '../../triggers/client.js';
import { startTestCluster, type TestCluster } from '../cluster/harness.js';
import { eventually } from '../harness.js';
import { deadWorkers, heartbeatingTrials, historyFacts, settled, startRuns, storeFacts, type InFlight } from './lifecycleRuns.js';
import { reportRow } from './report.js';
import { chaosFor } from './seed.js';

const RUNS = 3;
const UNREACHABLE_MS = Number(process.env.MLCYCLE_CHAOS_TEMPORAL_OUTAGE_S ?? 30) * 1000;
let c: TestCluster;

before(async () => {
  c = await startTestCluster({ workers: 2, replicas: 1 });
});
after(async () => {
  // A test that failed while the server was frozen must not leave it so (its stop would wait for the SIGKILL).
  const server = c?.processes.filter((p) => p.name === 'temporal').at(-1);
  if (server?.child.pid && server.child.exitCode === null && server.child.signalCode === null) process.kill(server.child.pid, 'SIGCONT');
  await c?.teardown();
});

/** The Temporal server process running now (the latest started). */
function temporalServer() {
  const server = c.processes.filter((p) => p.name === 'temporal').at(-1);
  assert.ok(server && server.child.exitCode === null && server.child.signalCode === null, 'the Temporal server is running');
  return server;
}

const modes = {
  kill: 'SIGKILLed and restarted on the same data',
  stop: `unreachable for ${UNREACHABLE_MS / 1000} s (SIGSTOP, then SIGCONT)`,
} as const;

for (const mode of ['kill', 'stop'] as const) {
  test(`the Temporal server ${modes[mode]} while trials heartbeat: every run completes, nothing done twice`, { timeout: 900_000 }, async () => {
    const chaos = chaosFor(`temporal-${mode}`);
    const runs = await startRuns(c, `temporal-${mode}-${chaos.seed}`, RUNS);
    const heartbeating = async (): Promise<InFlight[]> => eventually('a heartbeating trial', 300_000, async () => {
      const t = await heartbeatingTrials(runs);
      return t.length ? t : null;
    });
    await heartbeating();
    // The fault lands at a point drawn from the seed, with at least one trial in flight and heartbeating.
    await sleep(chaos.int(0, 4000));
    const inFlight = await heartbeating();
    const server = temporalServer();
    const faultAt = Date.now();
    if (mode === 'kill') {
      server.child.kill('SIGKILL');
      await server.exited;
      await sleep(chaos.int(1000, 10_000));
      await c.restartTemporal();
    } else {
      process.kill(server.child.pid ?? 0, 'SIGSTOP');
      try {
        await sleep(UNREACHABLE_MS);
      } finally {
        process.kill(server.child.pid ?? 0, 'SIGCONT');
      }
    }
    const endAt = Date.now();
    const status = await settled(runs, 600_000);

    const completed = [];
    for (const r of runs) {
      if (status.get(r.workflowId) !== 'COMPLETED') continue;
      completed.push(completeResult(await r.handle.result()));
    }
    const facts = new Map<string, Awaited<ReturnType<typeof historyFacts>>>();
    for (const r of runs) facts.set(r.workflowId, await historyFacts(c, r.handle));
    const store = await storeFacts(c, runs);
    const firstProgress = Math.min(...[...facts.values()].flatMap((f) => f.progressAt.filter((t) => t >= endAt)));
    const allTrials = [...facts.values()].flatMap((f) => [...f.trials.values()]);
    const trialsTwice = allTrials.filter((t) => t.completed !== 1).length;
    const reexecuted = allTrials.filter((t) => t.attempt > 1).length;
    const across = inFlight.filter((a) => (facts.get(a.workflowId)?.trials.get(a.activityId)?.completedAt ?? 0) >= endAt).length;
    const durations = allTrials.map((t) => t.completedAt - t.startedAt).sort((a, b) => a - b);
    const trialAt = (a: InFlight) => facts.get(a.workflowId)?.trials.get(a.activityId);
    const resumed = inFlight.filter((a) => trialAt(a)?.completed === 1 && trialAt(a)?.attempt === a.attempt);
    // A trial whose completion did not reach the server (the cause is not established; README "Found and not explained") is
    // dispatched again after its heartbeat timeout: it must find its recorded result, not train again.
    const redispatched = inFlight.filter((a) => !resumed.includes(a));
    const trainedAgain = redispatched.filter((a) => {
      const t = trialAt(a);
      const writtenAt = t ? store.trialWrittenAt.get(`${a.workflowId} ${t.trialId}`) : undefined;
      return !t || writtenAt === undefined || writtenAt >= t.startedAt;
    });
    const versionsTwice = runs.filter((r) => (store.versions.get(r.pipeline.name) ?? 0) > 1).length;
    const auditsTwice = [...store.deployAudits.values()].filter((n) => n > 1).length;
    reportRow({
      scenario: `2${mode === 'kill' ? 'a' : 'b'}. Temporal server ${modes[mode]} mid-run, ${RUNS} runs on 2 workers`,
      runs: RUNS, faults: 1, seed: chaos.seed,
      outcome: `${completed.length}/${RUNS} completed; ${inFlight.length} heartbeating trials at the fault: ${resumed.length} finished on their attempt, ${redispatched.length - trainedAgain.length} redispatched and took their recorded result; ${allTrials.length} trials, each completed once: ${trialsTwice === 0 ? 'yes' : 'no'}`,
      lost: RUNS - completed.length, duplicated: versionsTwice + trialsTwice + store.stepsTwice.length + auditsTwice + trainedAgain.length,
      figures: {
        'server away (s)': ((endAt - faultAt) / 1000).toFixed(1),
        'fault end → first workflow progress (s)': Number.isFinite(firstProgress) ? ((firstProgress - endAt) / 1000).toFixed(1) : 'none',
        'trial attempts > 1': reexecuted,
        'trials in flight at the fault, completion recorded after it': across,
        'median trial (s)': (durations[Math.floor(durations.length / 2)] / 1000).toFixed(1),
      },
    });
    assert.deepEqual(deadWorkers(c), [], 'every worker lived through the outage');
    assert.deepEqual([...status.values()], runs.map(() => 'COMPLETED'), `runs: ${JSON.stringify(Object.fromEntries(status))}`);
    for (const r of completed) assert.equal(r.model.version, 1);
    for (const r of runs) {
      assert.equal(store.versions.get(r.pipeline.name), 1, `${r.pipeline.name}: one model version`);
      assert.equal(store.deployAudits.get(`${r.pipeline.name}@1`), 1, `${r.pipeline.name}@1: one deploy audit row`);
      const trials = facts.get(r.workflowId)?.trials;
      assert.ok(trials && trials.size === 3, `${r.workflowId}: 3 trials scheduled`);
      assert.equal(store.trialRows.get(r.workflowId), new Set([...trials.values()].map((t) => t.trialId)).size, `${r.workflowId}: one trials row per trial`);
    }
    assert.equal(trialsTwice, 0, 'every trial activity completed exactly once');
    assert.deepEqual(store.stepsTwice, [], 'no step recorded twice');
    assert.deepEqual(store.failedSteps, [], 'no step failed');
    assert.deepEqual(trainedAgain, [], 'a trial heartbeating at the fault finished on its attempt, or (its completion lost) was redispatched and took the result recorded before');
  });
}
