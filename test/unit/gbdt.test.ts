// GBDT trainer: a synthetic regression, seattle-weather binary and multiclass against logistic regression, seeds, JSON, bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { takeRows, type Table } from '../../lib/data/table.js';
import { fitClassifier, predictProba } from '../../lib/train/classifier.js';
import { mulberry32, trainTestSplit } from '../../lib/train/cv.js';
import { accuracy } from '../../lib/train/metrics.js';
import {
  featureImportance, predictGbdtProba, predictGbdtRaw, predictGbdtValue, toColumnMajor, trainGbdt, type GbdtModel,
} from '../../lib/train/gbdt/index.js';

const require = createRequire(import.meta.url);
const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind'];

/** seattle-weather.csv: the four numeric features as a table plus the weather label. */
function loadSeattle(): { table: Table; labels: string[] } {
  const csv = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'seattle-weather.csv');
  const rows = readFileSync(csv, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
  const columns: Table['columns'] = FEATURES.map((name, j) => ({ name, kind: 'numeric', values: Float64Array.from(rows, (r) => Number(r[j + 1])) }));
  const labels = rows.map((r) => r[5]);
  columns.push({ name: 'weather', kind: 'categorical', values: labels });
  return { table: { rows: rows.length, columns }, labels };
}

/** Column-major features of the given rows. */
function matrix(table: Table, idx: Int32Array): Float64Array {
  const x = new Float64Array(idx.length * FEATURES.length);
  FEATURES.forEach((name, f) => {
    const col = table.columns.find((c) => c.name === name)?.values as Float64Array;
    idx.forEach((i, k) => {
      x[f * idx.length + k] = col[i];
    });
  });
  return x;
}

function r2(y: Float64Array, p: Float64Array): number {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  let ss = 0;
  let st = 0;
  for (let i = 0; i < y.length; i++) {
    ss += (y[i] - p[i]) ** 2;
    st += (y[i] - mean) ** 2;
  }
  return 1 - ss / st;
}

function synthetic(n: number, seed: number): { x: Float64Array; y: Float64Array } {
  const rand = mulberry32(seed);
  const x = new Float64Array(n * 5);
  for (let i = 0; i < x.length; i++) x[i] = rand() * 4 - 2;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.sin(2 * x[i]) + x[n + i] ** 2 + 0.5 * x[2 * n + i] * x[3 * n + i] + 0.05 * (rand() - 0.5);
  return { x, y };
}

test('regression recovers a smooth nonlinear function on held-out rows', () => {
  const train = synthetic(6000, 1);
  const holdout = synthetic(2000, 2);
  const model = trainGbdt(train.x, 6000, 5, train.y, { objective: 'regression', nEstimators: 300, learningRate: 0.1, maxLeaves: 31, maxDepth: 0 });
  const score = r2(holdout.y, predictGbdtValue(model, holdout.x, 2000));
  assert.ok(score > 0.97, `holdout R² ${score}`);
  const imp = featureImportance(model);
  assert.ok(imp[4] < 0.01 * imp[1], `the noise feature should matter little: ${Array.from(imp)}`);
  assert.equal(model.trees.length, 300);
  assert.ok(model.trees.every((t) => t.nodes.filter((n) => n.kind === 'leaf').length <= 31));
});

test('depth-wise growth respects maxDepth and maxLeaves', () => {
  const { x, y } = synthetic(3000, 3);
  const depthOf = (m: GbdtModel) => Math.max(...m.trees.map((t) => {
    const depth = (i: number): number => { const n = t.nodes[i]; return n.kind === 'leaf' ? 0 : 1 + Math.max(depth(n.left), depth(n.right)); };
    return depth(0);
  }));
  const deep = trainGbdt(x, 3000, 5, y, { objective: 'regression', nEstimators: 5, growth: 'depthwise', maxDepth: 3, maxLeaves: 64, minSamplesLeaf: 1 });
  assert.equal(depthOf(deep), 3);
  assert.ok(deep.trees.every((t) => t.nodes.filter((n) => n.kind === 'leaf').length === 8));
  const capped = trainGbdt(x, 3000, 5, y, { objective: 'regression', nEstimators: 5, growth: 'depthwise', maxDepth: 6, maxLeaves: 5 });
  assert.ok(capped.trees.every((t) => t.nodes.filter((n) => n.kind === 'leaf').length === 5));
});

test('seattle-weather: binary (sun) and multiclass holdout accuracy match or beat logistic regression', () => {
  const { table, labels } = loadSeattle();
  const classes = [...new Set(labels)].sort();
  const y = Int32Array.from(labels, (l) => classes.indexOf(l));
  const split = trainTestSplit(y, 0.25, 7);
  const xTrain = matrix(table, split.train);
  const xTest = matrix(table, split.test);
  const yTrain = Int32Array.from(split.train, (i) => y[i]);
  const yTest = Int32Array.from(split.test, (i) => y[i]);

  const multi = trainGbdt(xTrain, split.train.length, 4, yTrain, { objective: 'multiclass', nEstimators: 100, learningRate: 0.1, seed: 1 });
  assert.equal(multi.trees.length, 100 * 5);
  const accMulti = accuracy(yTest, predictGbdtProba(multi, xTest, split.test.length), 5);
  const lr = fitClassifier(takeRows(table, split.train), { target: 'weather', features: { numeric: FEATURES, categorical: [] }, l2: 1e-3 });
  const accLr = accuracy(yTest, predictProba(lr, takeRows(table, split.test)), 5);
  console.log(`seattle multiclass: gbdt ${accMulti.toFixed(4)}, logistic regression ${accLr.toFixed(4)}`);
  assert.ok(accMulti >= 0.78 && accMulti >= accLr - 0.01, `gbdt ${accMulti} vs logreg ${accLr}`);

  const sun = classes.indexOf('sun');
  const yb = Int32Array.from(y, (v) => (v === sun ? 1 : 0));
  const binary = trainGbdt(xTrain, split.train.length, 4, Int32Array.from(split.train, (i) => yb[i]), { objective: 'binary', nEstimators: 100 });
  const ybTest = Int32Array.from(split.test, (i) => yb[i]);
  const accBin = accuracy(ybTest, predictGbdtProba(binary, xTest, split.test.length), 2);
  const tb: Table = { rows: table.rows, columns: [...table.columns.slice(0, 4), { name: 'sun', kind: 'categorical', values: Array.from(yb, String) }] };
  const lrb = fitClassifier(takeRows(tb, split.train), { target: 'sun', features: { numeric: FEATURES, categorical: [] }, l2: 1e-3 });
  const accLrb = accuracy(ybTest, predictProba(lrb, takeRows(tb, split.test)), 2);
  console.log(`seattle sun vs not: gbdt ${accBin.toFixed(4)}, logistic regression ${accLrb.toFixed(4)}`);
  assert.ok(accBin >= 0.8 && accBin >= accLrb - 0.01, `gbdt ${accBin} vs logreg ${accLrb}`);
});

test('the same seed gives the same model; another seed with subsampling gives another', () => {
  const { x, y } = synthetic(3000, 4);
  const opts = { objective: 'regression' as const, nEstimators: 20, subsample: 0.7, colsampleBytree: 0.6, seed: 11 };
  const a = trainGbdt(x, 3000, 5, y, opts);
  const b = trainGbdt(x, 3000, 5, y, opts);
  assert.deepEqual(a, b);
  const c = trainGbdt(x, 3000, 5, y, { ...opts, seed: 12 });
  assert.notDeepEqual(a.trees, c.trees);
  // Subsampled rows are scored like the others: training loss still falls.
  const p = predictGbdtValue(a, x, 3000);
  assert.ok(r2(y, p) > 0.8);
});

test('models survive a JSON round trip and predict identically', () => {
  const { x, y } = synthetic(2000, 5);
  const yc = Int32Array.from(y, (v) => (v < 0.5 ? 0 : v < 1.5 ? 1 : 2));
  const m = trainGbdt(x, 2000, 5, yc, { objective: 'multiclass', nEstimators: 10 });
  const copy = JSON.parse(JSON.stringify(m)) as GbdtModel;
  assert.deepEqual(copy, m);
  assert.deepEqual(predictGbdtRaw(copy, x, 2000), predictGbdtRaw(m, x, 2000));
  const proba = predictGbdtProba(m, x, 2000);
  for (let i = 0; i < 2000; i++) assert.ok(Math.abs(proba[3 * i] + proba[3 * i + 1] + proba[3 * i + 2] - 1) < 1e-12);
});

test('toColumnMajor transposes a row-major matrix', () => {
  assert.deepEqual(toColumnMajor(Float64Array.of(1, 2, 3, 4, 5, 6), 3, 2), Float64Array.of(1, 3, 5, 2, 4, 6));
});

test('bad input fails with a clear message', () => {
  const x = new Float64Array(20);
  const y = new Float64Array(10);
  assert.throws(() => trainGbdt(x, 10, 3, y, { objective: 'regression' }), /x has 20 values, expected 10 rows × 3 features/);
  assert.throws(() => trainGbdt(x, 10, 2, Float64Array.of(1, 2), { objective: 'regression' }), /y has 2 values for 10 rows/);
  assert.throws(() => trainGbdt(x, 10, 2, Int32Array.from({ length: 10 }, (_, i) => i % 3), { objective: 'binary' }), /binary labels must be 0 or 1/);
  assert.throws(() => trainGbdt(x, 10, 2, new Int32Array(10), { objective: 'binary' }), /single class/);
  assert.throws(() => trainGbdt(x, 10, 2, Float64Array.of(NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0), { objective: 'regression' }), /y\[0\] is NaN/);
  assert.throws(() => trainGbdt(x, 10, 2, y, { objective: 'regression', maxBins: 300 }), /maxBins must be an integer in \[2, 255\]/);
  assert.throws(() => trainGbdt(x, 10, 2, y, { objective: 'regression', subsample: 0 }), /subsample must be in \(0, 1\]/);
  const model = trainGbdt(x, 10, 2, y, { objective: 'regression', nEstimators: 1 });
  assert.throws(() => predictGbdtValue(model, new Float64Array(5), 2), /expected 2 rows × 2 features/);
  assert.throws(() => predictGbdtProba(model, x, 10), /regression model/);
});
