// Seeded rollouts decided by a success metric on clustered traffic (100 and 1,000 units, 1–100 requests each): known truth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rolloutSchema } from '../../lib/config/rollout.js';
import { assess, pairedOutcomes, type Observation } from '../../lib/rollout/assess.js';
import { unitSumsOf, type UnitSums } from '../../lib/stats/unitSums.js';
import { simulateSuccess, successPolicy, type SuccessTally, type SuccessTraffic } from './successRollout.js';

const alpha = 0.05;
/** α plus two binomial standard errors over `runs` experiments (the Monte Carlo error). */
const bound = (runs: number): number => alpha + 2 * Math.sqrt((alpha * (1 - alpha)) / runs);

/** Conversions per exposure: each unit converts with its own chance (5%, 15% or 40%); accuracy 0.5 or 0.9 by unit. */
const events: SuccessTraffic = {
  units: 100, maxRequests: 100, checks: 20, accuracyRates: [0.5, 0.9], accuracyEffect: 0, kind: 'event', successRates: [0.05, 0.15, 0.4], successEffect: 0,
};
const eventPolicy = successPolicy({ minEffect: 0.05 });

function run(name: string, policy: ReturnType<typeof successPolicy>, traffic: SuccessTraffic, runs: number, seed: number): SuccessTally {
  const t = simulateSuccess(policy, traffic, runs, seed);
  const rate = (x: number): string => (x / runs).toFixed(3);
  console.log(`${name}: promoted ${rate(t.promoted)}, rolled back ${rate(t.rolledBack)}, undecided ${rate(t.undecided)} of ${runs}; ${JSON.stringify(t.codes)}`);
  return t;
}

test('the success metric is declared by name, kind and direction; mistakes are named by path', () => {
  const base = { minEffect: 0.1, stages: [{ name: 'ab', traffic: 0.5 }] };
  const ok = rolloutSchema.parse({ ...base, success: { name: 'revenue', kind: 'value', direction: 'increase', minEffect: 0.5 } });
  assert.deepEqual(ok.success, { name: 'revenue', kind: 'value', direction: 'increase', minEffect: 0.5, per: 'exposure', waitSeconds: 0 });
  const issues = (v: unknown): string[] => {
    const r = rolloutSchema.safeParse(v);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  assert.match(issues({ ...base, success: { name: 'revenue', kind: 'amount', direction: 'increase', minEffect: 1 } }).join('\n'), /^success\.kind: /m);
  assert.match(issues({ ...base, success: { name: '9lives', kind: 'event', direction: 'up', minEffect: 1 } }).join('\n'), /success\.name: must be 1-64 letters.*\n?.*success\.direction/s);
  assert.match(issues({ ...base, success: { name: 'x', kind: 'event', direction: 'increase', minEffect: 0 } }).join('\n'), /^success\.minEffect: /m);
  assert.match(issues({ ...base, success: { name: 'x', kind: 'event', direction: 'increase', minEffect: 1, ratio: true } }).join('\n'), /success: .*ratio/);
  const shadowOnly = { ...base, stages: [{ name: 'shadow', traffic: 1 }], success: { name: 'x', kind: 'event', direction: 'increase', minEffect: 1 } };
  assert.deepEqual(issues(shadowOnly), ['success: needs a canary or ab stage: in shadow the challenger\'s answers never reach users, so no outcome can follow them']);
});

test('100 units, conversions per exposure: equal → false promotion ≤ α; worse on it while accuracy is equal → never promoted', () => {
  const equal = run('100 units, event, equal', eventPolicy, events, 600, 21);
  assert.ok(equal.promoted / 600 <= bound(600), `equal promoted ${equal.promoted / 600}`);
  const better = run('100 units, event, better by minEffect', eventPolicy, { ...events, successEffect: 0.05 }, 200, 22);
  assert.ok(better.promoted < 60, 'little power at 100 units: stated in SEQUENTIAL.md');
  const worse = run('100 units, event, worse by minEffect, accuracy equal', eventPolicy, { ...events, successEffect: -0.05 }, 200, 23);
  assert.equal(worse.promoted, 0);
});

test('1,000 units: equal → ≤ α; better by minEffect → promoted ≥ 90%; worse while accuracy is equal → never, rolled back by the test', () => {
  const big = { ...events, units: 1000 };
  const equal = run('1000 units, event, equal', eventPolicy, big, 200, 24);
  assert.ok(equal.promoted / 200 <= bound(200), `equal promoted ${equal.promoted / 200}`);
  const better = run('1000 units, event, better by minEffect', eventPolicy, { ...big, successEffect: 0.05 }, 60, 25);
  assert.ok(better.promoted >= 54, `better promoted ${better.promoted} of 60`);
  const worse = run('1000 units, event, worse by minEffect, accuracy equal', eventPolicy, { ...big, successEffect: -0.05 }, 60, 26);
  assert.equal(worse.promoted, 0);
  assert.equal((worse.codes['test/worse'] ?? 0) + (worse.codes['test/futile'] ?? 0), 60, JSON.stringify(worse.codes));
});

test('the reverse: better on accuracy but equal or worse on the success metric → not promoted; worse on accuracy → the guardrail rolls back', () => {
  const big = { ...events, units: 1000 };
  const accurate = run('1000 units, accuracy +0.08, event equal', eventPolicy, { ...big, accuracyEffect: 0.08 }, 200, 27);
  assert.ok(accurate.promoted / 200 <= bound(200), `promoted on accuracy alone ${accurate.promoted / 200}`);
  const accurateWorse = run('1000 units, accuracy +0.08, event worse by minEffect', eventPolicy, { ...big, accuracyEffect: 0.08, successEffect: -0.05 }, 60, 28);
  assert.equal(accurateWorse.promoted, 0);
  const inaccurate = run('1000 units, accuracy −0.08, event better by minEffect', eventPolicy, { ...big, accuracyEffect: -0.08, successEffect: 0.05 }, 60, 29);
  assert.ok((inaccurate.codes['guardrail/modelMetric'] ?? 0) >= 50, JSON.stringify(inaccurate.codes));
});

test('revenue per exposure (value, skewed) and converted per unit (event, per: unit): equal → ≤ α; better → power', () => {
  const revenue: SuccessTraffic = { ...events, kind: 'value', successRates: [0.5, 2, 5] };
  const policy = successPolicy({ name: 'revenue', kind: 'value', minEffect: 0.5 });
  const hundred = run('100 units, revenue per exposure, equal', policy, revenue, 400, 30);
  assert.ok(hundred.promoted / 400 <= bound(400), `equal promoted ${hundred.promoted / 400}`);
  const thousand = run('1000 units, revenue per exposure, equal', policy, { ...revenue, units: 1000 }, 150, 31);
  assert.ok(thousand.promoted / 150 <= bound(150), `equal promoted ${thousand.promoted / 150}`);
  const better = run('1000 units, revenue per exposure, better by minEffect', policy, { ...revenue, units: 1000, successEffect: 0.5 }, 60, 32);
  assert.ok(better.promoted >= 45, `better promoted ${better.promoted} of 60`);
  // Whether a unit converted at all: one 0/1 per unit, so the test needs units, not exposures (A/B only: 100 units × 20% is too few).
  const perUnit = successPolicy({ per: 'unit', minEffect: 0.1 }, { stages: [{ name: 'ab', traffic: 0.5, minSamples: 30, maxDurationSeconds: 86_400 }] });
  const rare = { ...events, successRates: [0.01, 0.03, 0.1], units: 1000 };
  const converted = run('1000 units, converted per unit, equal', perUnit, rare, 150, 33);
  assert.ok(converted.promoted / 150 <= bound(150), `equal promoted ${converted.promoted / 150}`);
});

test('shadow with a success metric decides nothing on it: the stage passes on its pairs; the model metric still rolls back when worse', () => {
  const policy = successPolicy({ minEffect: 0.05 }, {
    stages: [{ name: 'shadow', traffic: 1, minSamples: 100, maxDurationSeconds: 86_400 }, { name: 'ab', traffic: 0.5, minSamples: 100, maxDurationSeconds: 86_400 }],
  });
  const quiet = { requests: 10_000, errors: 0, p99LatencyMs: 1, latencyRows: 10_000 };
  // 200 units, one labelled pair each: the challenger right 80% more often (+1) or equally (0), or worse (−1).
  const paired = (plus: number, minus: number): UnitSums => unitSumsOf(Array.from({ length: 200 }, (_, i) => ({ sum: i < plus ? 1 : i < plus + minus ? -1 : 0, count: 1 })));
  const obs = (differences: UnitSums): Observation => ({
    stageIndex: 0, elapsedSeconds: 1, traffic: { champion: quiet, challenger: quiet }, disagreement: null, predictionShift: null,
    outcomes: pairedOutcomes(differences), stageSamples: differences.n,
  });
  const better = assess(policy, 'accuracy', obs(paired(160, 0)), null);
  assert.equal(better.action, 'advance', 'a clear accuracy win in shadow promotes nothing: the success metric decides in split stages');
  assert.equal(better.decidedOn, 'accuracy');
  assert.match(better.test.reason, /^shadow: converted decides from the first split stage/);
  const worse = assess(policy, 'accuracy', obs(paired(0, 160)), null);
  assert.deepEqual([worse.action, worse.by], ['rollback', 'guardrail']);
  assert.match(worse.reason, /^shadow: guardrail modelMetric: challenger significantly worse on accuracy: improvement -0\.800/);
  const split = { ...obs(paired(0, 0)), stageIndex: 1 };
  assert.throws(() => assess(policy, 'accuracy', split, null), /the ab stage's check has no converted outcomes to test/);
});
