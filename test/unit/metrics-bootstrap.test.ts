// Tests for bootstrap confidence intervals: contain the estimate, narrow with more data, deterministic by seed, match theory for a mean.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapCI } from '../../lib/train/bootstrap.js';
import { mulberry32 } from '../../lib/train/cv.js';
import { accuracy, binaryRocAuc, rmse, rocAuc } from '../../lib/train/metrics.js';

/** A noisy 3-class classifier's holdout: labels and row-major probabilities. */
function holdout(n: number, seed: number): { y: Int32Array; proba: Float64Array } {
  const rand = mulberry32(seed);
  const y = new Int32Array(n);
  const proba = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    y[i] = Math.floor(rand() * 3);
    let sum = 0;
    for (let c = 0; c < 3; c++) {
      const p = rand() + (c === y[i] ? 0.6 : 0);
      proba[i * 3 + c] = p;
      sum += p;
    }
    for (let c = 0; c < 3; c++) proba[i * 3 + c] /= sum;
  }
  return { y, proba };
}

const acc = (y: Int32Array, p: Float64Array): number => accuracy(y, p, 3);

test('the interval contains the estimate, for accuracy, macro AUC and RMSE', () => {
  const { y, proba } = holdout(300, 1);
  for (const fn of [acc, (yy: Int32Array, p: Float64Array) => rocAuc(yy, p, 3)]) {
    const ci = bootstrapCI(y, proba, fn, { seed: 5 });
    assert.equal(ci.estimate, fn(y, proba));
    assert.ok(ci.lower < ci.estimate && ci.estimate < ci.upper, JSON.stringify(ci));
    assert.equal(ci.iterations, 1000);
    assert.equal(ci.level, 0.95);
  }
  const rand = mulberry32(3);
  const truth = Float64Array.from({ length: 200 }, () => rand() * 10);
  const pred = truth.map((v) => v + rand() - 0.5);
  const ci = bootstrapCI(truth, pred, rmse, { seed: 1, iterations: 500 });
  assert.ok(ci.lower < ci.estimate && ci.estimate < ci.upper && ci.iterations === 500, JSON.stringify(ci));
});

test('narrows with more data, and with a lower level', () => {
  const small = holdout(100, 2);
  const large = holdout(4000, 2);
  const a = bootstrapCI(small.y, small.proba, acc, { seed: 1 });
  const b = bootstrapCI(large.y, large.proba, acc, { seed: 1 });
  assert.ok(b.upper - b.lower < (a.upper - a.lower) / 3, `n=100: ${a.upper - a.lower}, n=4000: ${b.upper - b.lower}`);
  const c = bootstrapCI(large.y, large.proba, acc, { seed: 1, level: 0.5 });
  assert.ok(c.upper - c.lower < b.upper - b.lower);
});

test('deterministic by seed', () => {
  const { y, proba } = holdout(150, 4);
  assert.deepEqual(bootstrapCI(y, proba, acc, { seed: 42 }), bootstrapCI(y, proba, acc, { seed: 42 }));
  assert.notDeepEqual(bootstrapCI(y, proba, acc, { seed: 42 }), bootstrapCI(y, proba, acc, { seed: 43 }));
});

test('the interval of a mean matches mean ± 1.96·σ/√n', () => {
  const rand = mulberry32(8);
  const n = 2000;
  const x = Float64Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
  const mean = (v: Float64Array): number => v.reduce((s, e) => s + e, 0) / v.length;
  const m = mean(x);
  const sd = Math.sqrt(x.reduce((s, e) => s + (e - m) ** 2, 0) / n);
  const ci = bootstrapCI(x, x, (_y, s) => mean(s), { seed: 3, iterations: 2000 });
  const half = (1.96 * sd) / Math.sqrt(n);
  assert.ok(Math.abs(ci.lower - (m - half)) < 0.2 * half && Math.abs(ci.upper - (m + half)) < 0.2 * half, JSON.stringify({ ci, m, half }));
});

test('resamples where the metric is undefined are skipped and counted', () => {
  const y = Int32Array.from({ length: 40 }, (_, i) => (i < 2 ? 1 : 0));
  const score = Float64Array.from({ length: 40 }, (_, i) => (i < 2 ? 0.9 : i / 100));
  const ci = bootstrapCI(y, score, binaryRocAuc, { seed: 2, iterations: 400 });
  assert.ok(ci.iterations < 400 && ci.iterations > 300, `valid resamples: ${ci.iterations}`);
  assert.equal(ci.estimate, 1);
});

test('bad input gets a clear error', () => {
  const y = Int32Array.from([0, 1]);
  assert.throws(() => bootstrapCI(y, new Float64Array(3), acc), /3 scores do not split into 2 rows/);
  assert.throws(() => bootstrapCI(new Int32Array(0), new Float64Array(0), acc), /no rows/);
  assert.throws(() => bootstrapCI(y, new Float64Array(6), acc, { iterations: 0 }), /iterations must be a positive integer/);
  assert.throws(() => bootstrapCI(y, new Float64Array(6), acc, { level: 1 }), /level must be in \(0, 1\)/);
});
