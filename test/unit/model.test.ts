// One fit/predict for every model kind: GBDT and ridge learn what they should, CV and holdout work for regression, plans span algorithms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Table } from '../../lib/data/table.js';
import { mulberry32 } from '../../lib/train/cv.js';
import { crossValidate, holdoutSplit, labelled, scoreModel } from '../../lib/train/evaluate.js';
import { decideGate } from '../../lib/train/gate.js';
import { fitModel, fittedHyperparameters, predictModel } from '../../lib/train/model.js';
import { planTrials } from '../../lib/train/search.js';

/** y = 3a − 2b + (c = "hi" ? 5 : 0) + noise; the class is whether y > 0. a has missing values. */
function synthetic(rows: number, seed: number): Table {
  const rand = mulberry32(seed);
  const a = new Float64Array(rows);
  const b = new Float64Array(rows);
  const c: (string | null)[] = [];
  const y = new Float64Array(rows);
  const cls: (string | null)[] = [];
  for (let i = 0; i < rows; i++) {
    a[i] = rand() * 4 - 2;
    b[i] = rand() * 4 - 2;
    c.push(rand() < 0.5 ? 'hi' : rand() < 0.9 ? 'lo' : null);
    y[i] = 3 * a[i] - 2 * b[i] + (c[i] === 'hi' ? 5 : 0) + (rand() - 0.5) * 0.2;
    cls.push(y[i] > 2.5 ? 'up' : 'down');
    if (i % 17 === 0) a[i] = NaN;
  }
  return {
    rows,
    columns: [
      { name: 'a', kind: 'numeric', values: a },
      { name: 'b', kind: 'numeric', values: b },
      { name: 'c', kind: 'categorical', values: c },
      { name: 'y', kind: 'numeric', values: y },
      { name: 'cls', kind: 'categorical', values: cls },
    ],
  };
}

const features = { numeric: ['a', 'b'], categorical: ['c'] };

test('ridge recovers the linear law; GBDT regression is close; both score RMSE/MAE/R²', () => {
  const train = synthetic(2000, 1);
  const test = synthetic(500, 2);
  const a = test.columns[0].values as Float64Array;
  const clean: Table = { ...test, columns: [{ name: 'a', kind: 'numeric', values: a.map((v) => (Number.isNaN(v) ? 0 : v)) }, ...test.columns.slice(1)] };
  const ridge = fitModel(train, { task: 'regression', target: 'y', features, algorithm: 'ridge', params: { alpha: 0.01 } });
  assert.equal(ridge.kind, 'ridge');
  const ridgeScores = scoreModel(ridge, clean);
  assert.ok(ridgeScores.r2 > 0.95, `ridge R² ${ridgeScores.r2}`);
  const gbdt = fitModel(train, { task: 'regression', target: 'y', features, algorithm: 'gbdt', params: { nEstimators: 200, learningRate: 0.1, maxLeaves: 15 } });
  const scores = scoreModel(gbdt, test);
  assert.ok(scores.r2 > 0.9, `gbdt R² ${scores.r2}`);
  assert.ok(scores.rmse > 0 && scores.mae > 0 && scores.mae <= scores.rmse);
  assert.equal(scores.rows, 500);
  const hp = fittedHyperparameters(gbdt);
  assert.equal(hp.nEstimators, 200);
  assert.equal(hp.minSamplesLeaf, 20, 'defaults are recorded for the card');
});

test('GBDT classifies with categories and missing values; probabilities are per class in sorted order', () => {
  const model = fitModel(synthetic(2000, 3), { task: 'classification', target: 'cls', features, algorithm: 'gbdt', params: { nEstimators: 100 } });
  const test = synthetic(500, 4);
  const p = predictModel(model, test);
  assert.equal(p.task, 'classification');
  if (p.task !== 'classification') return;
  assert.deepEqual(p.classes, ['down', 'up']);
  for (let i = 0; i < 500; i++) assert.ok(Math.abs(p.proba[2 * i] + p.proba[2 * i + 1] - 1) < 1e-12);
  const s = scoreModel(model, test);
  assert.ok(s.accuracy > 0.93 && s.rocAuc > 0.97, JSON.stringify(s));
});

test('an algorithm is refused for a task it cannot learn', () => {
  const table = synthetic(50, 5);
  assert.throws(() => fitModel(table, { task: 'regression', target: 'y', features, algorithm: 'logreg', params: { l2: 1 } }), /"logreg" cannot learn a regression task/);
  assert.throws(() => fitModel(table, { task: 'classification', target: 'cls', features, algorithm: 'gbdt', params: { depth: 3 } }), /unknown hyperparameter "depth"/);
});

test('regression holdout and folds are stratified by the target quintile and drop unlabelled rows', () => {
  const table = synthetic(1000, 6);
  (table.columns[3].values as Float64Array)[10] = NaN;
  const { strata } = labelled(table, 'y', 'regression');
  assert.equal(strata.length, 999);
  for (let q = 0; q < 5; q++) assert.ok(Math.abs(strata.filter((s) => s === q).length - 200) <= 1);
  const { train, test } = holdoutSplit(table, 'y', 0.2, 1, 'regression');
  assert.equal(train.rows + test.rows, 999);
  const cv = crossValidate(train, { task: 'regression', target: 'y', features, algorithm: 'ridge', params: { alpha: 1 } }, 'rmse', 4, 1);
  assert.equal(cv.folds.length, 4);
  assert.ok(cv.mean > 0 && cv.mean < 1.5, `cv rmse ${cv.mean}`);
});

test('plans span algorithms: grid is the product per algorithm, random samples both and rounds integer parameters', () => {
  const grid = planTrials({ strategy: 'grid', seed: 1, space: { gbdt: { maxLeaves: [7, 15], learningRate: [0.1] }, ridge: { alpha: [1, 10, 100] } } }, features);
  assert.deepEqual(grid.map((t) => t.trialId), ['gbdt-learningRate-0.1-maxLeaves-7', 'gbdt-learningRate-0.1-maxLeaves-15', 'ridge-alpha-1', 'ridge-alpha-10', 'ridge-alpha-100']);
  const random = planTrials({ strategy: 'random', trials: 20, seed: 2, space: { logreg: { l2: { min: 1e-3, max: 1, log: true } }, gbdt: { maxLeaves: { min: 4, max: 64 } } } }, features);
  assert.equal(random.length, 20);
  assert.deepEqual(new Set(random.map((t) => t.algorithm)), new Set(['logreg', 'gbdt']));
  for (const t of random.filter((r) => r.algorithm === 'gbdt')) assert.ok(Number.isInteger(t.params.maxLeaves) && t.params.maxLeaves >= 4 && t.params.maxLeaves <= 64);
});

test('the gate reads lower-is-better metrics the right way round and fails closed without a bound', () => {
  const gate = { metric: 'rmse' as const, maximum: 4, minImprovement: 0.1 };
  assert.equal(decideGate(gate, 3.5, null).blessed, true);
  assert.match(decideGate(gate, 4.2, null).reason, /holdout rmse 4\.2000 > maximum 4/);
  assert.equal(decideGate(gate, 3.5, { version: 1, score: 3.7 }).blessed, true, 'lower by 0.2 ≥ margin 0.1');
  assert.equal(decideGate(gate, 3.65, { version: 1, score: 3.7 }).blessed, false, 'lower by only 0.05');
  assert.match(decideGate({ metric: 'rmse' }, 1, null).reason, /no maximum configured for rmse \(fail closed\)/);
});
