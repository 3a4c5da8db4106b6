// The serving load figure: 2 replicas behind the balancer, the maximum rate measured closed-loop, then 60 s open-loop at 70% of it: 0 errors, latency, log lag.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { quantile } from '../../bench/engineShapes.js';
import { eventually } from '../harness.js';
import { byStatus, startLoad, type Answer } from './load.js';
import { checkLog, loggedCounts } from './logCheck.js';
import { startLagProbe } from './logLag.js';
import { startOpenLoad } from './openLoad.js';
import { reportLoad } from './report.js';
import { deadReplicas, MODEL, startServingCluster, tinyInstance, type ServingCluster } from './servingCluster.js';

/** Seconds of open-loop load (MLCYCLE_CHAOS_LOAD_S to shorten), and of the closed-loop burst that measures the maximum. */
const LOAD_S = Number(process.env.MLCYCLE_CHAOS_LOAD_S ?? 60);
const BURST_S = Math.min(10, LOAD_S);
const BURST_CLIENTS = 32;
const SHARE = 0.7;
/** Every LAG_EVERY-th answer is followed into the log. */
const LAG_EVERY = 10;
let s: ServingCluster;

before(async () => {
  s = await startServingCluster({ replicas: 2 });
});
after(async () => {
  await s?.teardown();
});

const ok = (answers: readonly Answer[]): Answer[] => answers.filter((a) => a.status === 200);
const ms = (v: number): string => v.toFixed(1);

test(`serving at ${SHARE * 100}% of the measured maximum for ${LOAD_S} s on 2 replicas: no errors, every answer logged once`, { timeout: 600_000 }, async () => {
  const base = { url: s.cluster.balancer.url, model: MODEL, instancesPerRequest: 1, instance: tinyInstance };
  // The maximum: as many answers per second as BURST_CLIENTS clients get, each sending its next request on the answer.
  const burst = startLoad({ ...base, concurrency: BURST_CLIENTS, prefix: `max-${Date.now()}` });
  await sleep(BURST_S * 1000);
  const burstAnswers = await burst.stop();
  const first = burstAnswers.reduce((m, a) => Math.min(m, a.sent), Infinity);
  const last = burstAnswers.reduce((m, a) => Math.max(m, a.at), 0);
  const maxRate = ok(burstAnswers).length / ((last - first) / 1000);
  await sleep(2000); // the burst's log intervals, before the measured run

  const rate = Math.round(maxRate * SHARE);
  // The clients and the balancer share this process: its event loop's delay says how much of the tail is theirs.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const probe = startLagProbe(s.cluster.db, MODEL);
  let answered = 0;
  const load = startOpenLoad({
    ...base, rate, prefix: `open-${Date.now()}`,
    onAnswer: (a) => {
      if (a.status === 200 && answered++ % LAG_EVERY === 0) probe.follow(a);
    },
  });
  await sleep(LOAD_S * 1000);
  const answers = await load.stop();
  loop.disable();
  const { lags, unseen } = await probe.finish(30_000);
  const all = [...burstAnswers, ...answers];
  // Every answered instance is in the log once its replicas' intervals have passed.
  const check = await eventually('every answered instance logged', 30_000, async () => {
    const c = checkLog(all, await loggedCounts(s.cluster.db, MODEL));
    return c.lost.length === 0 ? c : null;
  }).catch(async () => checkLog(all, await loggedCounts(s.cluster.db, MODEL)));
  const errors = answers.filter((a) => a.status !== 200);
  const latency = ok(answers).map((a) => a.at - a.sent);
  const spread = answers.reduce((m, a) => Math.max(m, a.sent), 0) - answers.reduce((m, a) => Math.min(m, a.sent), Infinity);

  reportLoad({
    name: `Serving: ${LOAD_S} s at ${SHARE * 100}% of the measured maximum rate, 2 replicas (1 instance per request, through the balancer)`,
    figures: {
      'maximum (closed loop, 32 clients)': `${maxRate.toFixed(0)} req/s`,
      offered: `${rate} req/s`, sent: `${answers.length} (${(answers.length / (spread / 1000)).toFixed(0)} req/s)`,
      errors: errors.length, 'latency p50': `${ms(quantile(latency, 0.5))} ms`, 'latency p99': `${ms(quantile(latency, 0.99))} ms`,
      'most in flight': load.maxInFlight(), 'client/balancer event-loop delay p99': `${ms(loop.percentile(99) / 1e6)} ms`,
      'log lag p50': `${ms(quantile(lags, 0.5))} ms`, 'log lag p99': `${ms(quantile(lags, 0.99))} ms`, 'log lag max': `${ms(lags.reduce((m, v) => Math.max(m, v), 0))} ms`,
      'lag sample': lags.length, lost: check.lost.length, duplicated: check.duplicated.length,
    },
  });
  assert.deepEqual(deadReplicas(s.cluster), [], 'no replica ended');
  assert.deepEqual(byStatus(errors), {}, `${errors.length} requests were not answered 200: ${errors.slice(0, 3).map((a) => a.error ?? a.status).join('; ')}`);
  assert.ok(answers.length >= Math.floor(rate * LOAD_S * 0.95), `the load offered ${rate} req/s for ${LOAD_S} s (sent ${answers.length})`);
  assert.deepEqual(unseen.slice(0, 5), [], `${unseen.length} followed answers never became queryable by request id`);
  assert.ok(lags.length >= Math.floor(ok(answers).length / LAG_EVERY), 'every followed answer has its lag');
  assert.deepEqual(check.lost.slice(0, 5), [], `${check.lost.length} answered instances are not in the log`);
  assert.deepEqual(check.duplicated.slice(0, 5), [], `${check.duplicated.length} instances are logged twice`);
  assert.equal(check.answered, ok(all).length, 'one instance per answered request');
});
