// Limits on classification metrics: zod errors by path (unknown metric lists the known ones), and rollout guardrails that fail closed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePipeline } from '../../lib/config/pipeline.js';
import { rolloutSchema, type RolloutPolicy } from '../../lib/config/rollout.js';
import { assess, type Observation } from '../../lib/rollout/assess.js';
import { classificationReport } from '../../lib/stats/classMetrics/report.js';
import type { ClassRow } from '../../lib/stats/classMetrics/scored.js';
import { emptyUnitSums, type UnitSums } from '../../lib/stats/unitSums.js';

const base = {
  name: 'limits', data: { path: 'x.csv' }, task: 'classification', target: 'y', features: { numeric: ['x1'] }, search: { space: { logreg: { l2: [0.1] } } },
};

function issues(def: unknown): string {
  try {
    parsePipeline(def, 'test', '/');
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

test('monitor.quality and rollout.guardrails.metrics: bad limits are named by path; a known one parses', () => {
  const unknown = issues({ ...base, monitor: { quality: [{ metric: 'kappa', minimum: 0.5 }] } });
  assert.match(unknown, /monitor\.quality\.0\.metric/);
  assert.match(unknown, /unknown metric "kappa": known metrics are accuracy .*precision .*recall .*f1 .*auc .*logLoss/);
  assert.match(issues({ ...base, monitor: { quality: [{ metric: 'logLoss', class: 'a', maximum: 1 }] } }), /monitor\.quality\.0\.class.*takes no class/);
  assert.match(issues({ ...base, monitor: { quality: [{ metric: 'logLoss', minimum: 1 }] } }), /monitor\.quality\.0\.minimum.*logLoss is better lower: give its maximum/);
  assert.match(issues({ ...base, monitor: { quality: [{ metric: 'f1' }] } }), /monitor\.quality\.0\.minimum.*f1 needs a minimum/);
  const rollout = { minEffect: 0.01, stages: [{ name: 'ab', traffic: 0.5 }], guardrails: { metrics: [{ metric: 'recall', class: 'yes', minimum: 1.5, extra: 1 }] } };
  assert.match(issues({ ...base, rollout }), /rollout\.guardrails\.metrics\.0/);
  const regression = issues({ ...base, task: 'regression', search: { space: { ridge: { alpha: [1] } } }, monitor: { quality: [{ metric: 'f1', minimum: 0.5 }] } });
  assert.match(regression, /monitor\.quality.*classification metrics need a classifier/);
  const ok = parsePipeline({ ...base, monitor: { quality: [{ metric: 'f1', minimum: 0.7 }, { metric: 'recall', class: 'x', minimum: 0.6 }, { metric: 'logLoss', maximum: 0.8 }] } }, 'test', '/');
  assert.equal(ok.monitor.quality?.length, 3);
});

const policy: RolloutPolicy = rolloutSchema.parse({
  minEffect: 0.01, stages: [{ name: 'ab', traffic: 0.5, minSamples: 100 }],
  guardrails: { metrics: [{ metric: 'recall', class: 'yes', minimum: 0.8 }, { metric: 'logLoss', maximum: 0.7 }], minLabelled: 40 },
});
const quiet = { requests: 1000, errors: 0, p99LatencyMs: 5, latencyRows: 1000 };
const CLASSES = ['no', 'yes'];

/** n answers, half labelled yes; the challenger finds `recall` of the yes answers; probabilities 0.8 on its answer (or none). */
function answers(n: number, recall: number, probabilities = true): ClassRow[] {
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2 === 0 ? 'yes' : 'no';
    const predicted = label === 'yes' && i / n >= recall ? 'no' : label;
    return { label, predicted, classes: CLASSES, probabilities: probabilities ? (predicted === 'yes' ? [0.2, 0.8] : [0.8, 0.2]) : null };
  });
}

const sums = (n: number, y: number): UnitSums => ({ ...emptyUnitSums(), units: n, n, nn: n, y, yy: y, yn: y });

/** The final stage, where the test alone would promote (challenger right 95% vs 70%). */
function obs(challenger: ClassRow[] | null): Observation {
  return {
    stageIndex: 0, elapsedSeconds: 10, traffic: { champion: quiet, challenger: quiet }, disagreement: null, predictionShift: 0.01,
    outcomes: { kind: 'proportions', version: 2, champion: sums(4000, 2800), challenger: sums(4000, 3800) }, stageSamples: 4000,
    metrics: { champion: classificationReport(answers(200, 0.9), null), challenger: challenger ? classificationReport(challenger, null) : null },
  };
}

test('a metric guardrail outside its limit rolls back, naming the metric, class, values and limit', () => {
  const good = assess(policy, 'accuracy', obs(answers(200, 0.95)), null);
  assert.equal(good.action, 'promote', good.reason);
  const bad = assess(policy, 'accuracy', obs(answers(200, 0.5)), null);
  assert.equal(bad.test.decision, 'promote', 'the test alone would promote');
  assert.equal(bad.action, 'rollback');
  assert.equal(bad.by, 'guardrail');
  assert.match(bad.reason, /guardrail metrics: challenger recall of class "yes" 0\.500 \(champion 0\.900\) on 200 labelled answers, limit recall of class "yes" ≥ 0\.8/);
  const recall = bad.guardrails.find((g) => g.name === 'metric' && g.limit === 0.8);
  assert.deepEqual([recall?.value, recall?.champion, recall?.judged, recall?.ok], [0.5, 0.9, true, false]);
});

test('fail closed: no probabilities logged → log loss cannot be computed → rollback; too few labels → no promotion', () => {
  const blind = assess(policy, 'accuracy', obs(answers(200, 0.95, false)), null);
  assert.equal(blind.action, 'rollback');
  assert.match(blind.reason, /log loss|logLoss ≤ 0\.7 cannot be computed on the challenger's 200 labelled answers: log loss needs class probabilities: not every labelled answer logged class probabilities \(fail closed\)/);
  const early = assess(policy, 'accuracy', obs(answers(20, 0.95)), null);
  assert.equal(early.action, 'continue');
  assert.match(early.reason, /the test would promote, but recall of class "yes" ≥ 0\.8 not judged yet: 20 of the 40 labelled challenger answers/);
  const unobserved = assess(policy, 'accuracy', { ...obs(null), metrics: undefined }, null);
  assert.equal(unobserved.action, 'continue', 'metrics never observed: never promoted');
});
