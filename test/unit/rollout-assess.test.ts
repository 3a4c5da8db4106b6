// The rollout's check: guardrails before the test, stages that advance, a final stage that promotes, deadlines that fail closed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rolloutSchema, type RolloutPolicy } from '../../lib/config/rollout.js';
import { assess, type Observation } from '../../lib/rollout/assess.js';
import { predictionShift } from '../../lib/rollout/shift.js';
import type { RowState } from '../../lib/stats/sequential.js';

const policy: RolloutPolicy = rolloutSchema.parse({
  minEffect: 0.03,
  stages: [
    { name: 'shadow', traffic: 1, minSamples: 100, maxDurationSeconds: 600 },
    { name: 'canary', traffic: 0.1, minSamples: 100, maxDurationSeconds: 600 },
    { name: 'ab', traffic: 0.5, minSamples: 200, maxDurationSeconds: 600 },
  ],
  guardrails: { minRequests: 50, maxErrorRate: 0.02, maxP99LatencyMs: 100 },
});

const quiet = { requests: 1000, errors: 0, p99LatencyMs: 5, latencyRows: 1000 };

/** Paired correct − correct differences: `better` requests where only the challenger is right, `worse` the other way. */
function paired(n: number, better: number, worse: number): RowState {
  const mean = (better - worse) / n;
  const m2 = better * (1 - mean) ** 2 + worse * (-1 - mean) ** 2 + (n - better - worse) * mean ** 2;
  return { kind: 'paired', differences: { n, mean, m2 } };
}

function proportions(n: number, champion: number, challenger: number): RowState {
  return { kind: 'proportions', champion: { trials: n, successes: Math.round(champion * n) }, challenger: { trials: n, successes: Math.round(challenger * n) } };
}

function obs(o: Partial<Observation>): Observation {
  return {
    stageIndex: 0, elapsedSeconds: 10, traffic: { champion: quiet, challenger: quiet }, disagreement: { pairs: 1000, disagree: 100 }, predictionShift: 0.01,
    outcomes: paired(500, 60, 20), stageSamples: 500, ...o,
  };
}

test('a guardrail breach rolls back at once, whatever the test says', () => {
  const failing = { requests: 60, errors: 60, p99LatencyMs: 5, latencyRows: 0 };
  const a = assess(policy, 'accuracy', obs({ stageIndex: 2, outcomes: proportions(5000, 0.7, 0.9), traffic: { champion: quiet, challenger: failing } }), null);
  assert.equal(a.test.decision, 'promote', 'the test alone would promote');
  assert.equal(a.action, 'rollback');
  assert.equal(a.by, 'guardrail');
  assert.match(a.reason, /ab: challenger error rate 100\.0% above 2\.0%/);
});

test('guardrails are not judged on too few requests', () => {
  const few = { requests: 10, errors: 5, p99LatencyMs: 900, latencyRows: 10 };
  const a = assess(policy, 'accuracy', obs({ traffic: { champion: quiet, challenger: few }, disagreement: { pairs: 10, disagree: 9 } }), null);
  assert.notEqual(a.by, 'guardrail');
  assert.deepEqual(a.guardrails.filter((g) => g.name !== 'predictionShift').map((g) => [g.name, g.judged]), [['errorRate', false], ['p99LatencyMs', false], ['disagreement', false]]);
});

test('latency, disagreement and prediction shift breach by name', () => {
  const slow = { ...quiet, p99LatencyMs: 250 };
  assert.match(assess(policy, 'accuracy', obs({ traffic: { champion: quiet, challenger: slow } }), null).reason, /p99 latency 250\.0 ms above 100 ms/);
  assert.match(assess(policy, 'accuracy', obs({ disagreement: { pairs: 1000, disagree: 700 } }), null).reason, /disagrees with the champion on 70\.0%/);
  assert.match(assess(policy, 'accuracy', obs({ predictionShift: 2 }), null).reason, /PSI 2\.000, above 0\.5/);
});

test('a non-final stage with its samples and no bad news advances; the final stage promotes only on a win', () => {
  const shadow = assess(policy, 'accuracy', obs({ outcomes: paired(150, 10, 8), stageSamples: 150 }), null);
  assert.equal(shadow.test.decision, 'continue');
  assert.equal(shadow.action, 'advance');
  assert.match(shadow.reason, /on to canary \(10\.0%\)/);
  const undecided = assess(policy, 'accuracy', obs({ stageIndex: 2, outcomes: proportions(300, 0.8, 0.82), stageSamples: 250, disagreement: null }), null);
  assert.equal(undecided.action, 'continue');
  const win = assess(policy, 'accuracy', obs({ stageIndex: 2, outcomes: proportions(3000, 0.7, 0.8), stageSamples: 250, disagreement: null }), null);
  assert.equal(win.action, 'promote');
  assert.equal(win.by, 'test');
  const early = assess(policy, 'accuracy', obs({ stageIndex: 2, outcomes: proportions(3000, 0.7, 0.8), stageSamples: 150, disagreement: null }), null);
  assert.equal(early.action, 'continue', 'a win waits for the final stage minimum');
});

test('a clearly worse challenger rolls back in shadow, by the paired test', () => {
  const a = assess(policy, 'accuracy', obs({ outcomes: paired(400, 10, 80), stageSamples: 400 }), null);
  assert.equal(a.action, 'rollback');
  assert.equal(a.by, 'test');
  assert.equal(a.test.code, 'worse');
});

test('a stage past its maximum duration rolls back and says what it lacked (fail closed)', () => {
  const lacking = assess(policy, 'accuracy', obs({ elapsedSeconds: 601, outcomes: paired(40, 3, 2), stageSamples: 40 }), null);
  assert.equal(lacking.action, 'rollback');
  assert.equal(lacking.by, 'deadline');
  assert.match(lacking.reason, /shadow ended after 600 s with 40 of the 100 labelled samples/);
  const noWin = assess(policy, 'accuracy', obs({ stageIndex: 2, elapsedSeconds: 601, outcomes: proportions(400, 0.8, 0.81), stageSamples: 300, disagreement: null }), null);
  assert.equal(noWin.action, 'rollback');
  assert.match(noWin.reason, /ab ended after 600 s without a win/);
});

test('regression errors: lower is better', () => {
  const means: RowState = { kind: 'means', champion: { n: 2000, mean: 1.0, m2: 2000 }, challenger: { n: 2000, mean: 0.8, m2: 1600 } };
  const p: RolloutPolicy = { ...policy, minEffect: 0.05, stages: [policy.stages[2]] };
  const a = assess(p, 'squaredError', obs({ stageIndex: 0, outcomes: means, stageSamples: 2000, disagreement: null }), null);
  assert.equal(a.action, 'promote');
  assert.ok(a.test.estimate > 0.19 && a.test.estimate < 0.21, 'improvement = champion error − challenger error');
});

test('the prediction shift: labels by PSI, values binned on the champion; too few answers are not judged', () => {
  assert.equal(predictionShift('classification', ['a', 'b'], ['a'], 50), null);
  const same = predictionShift('classification', Array(100).fill('a').concat(Array(100).fill('b')), Array(50).fill('a').concat(Array(50).fill('b')), 50);
  assert.ok(same !== null && same < 1e-9);
  const moved = predictionShift('regression', Array.from({ length: 200 }, (_, i) => i), Array.from({ length: 200 }, (_, i) => i + 150), 50);
  assert.ok(moved !== null && moved > 1);
});

test('the definition names bad rollouts by path', () => {
  const bad = rolloutSchema.safeParse({ minEffect: 0.02, stages: [{ name: 'ab', traffic: 0.5 }, { name: 'shadow', traffic: 1 }], maxSamples: 50 });
  assert.equal(bad.success, false);
  const issues = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
  assert.ok(issues.some((i) => /^stages\.1\.name: stages go shadow → canary → ab/.test(i)), issues.join('\n'));
  assert.ok(issues.some((i) => /^maxSamples: must be at least the final stage's minSamples \(200\)/.test(i)), issues.join('\n'));
  const noEffect = rolloutSchema.safeParse({ stages: [{ name: 'ab', traffic: 0.5 }] });
  assert.deepEqual(noEffect.error?.issues.map((i) => i.path.join('.')), ['minEffect']);
});
