// Tests for linear / ridge regression: agreement with scikit-learn (fixture), collinear designs, bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { predictRidge, trainRidge } from '../../lib/train/ridge.js';

interface SkFit { alpha: number; weights: number[]; bias: number; predictions: number[] }
interface SkRidge {
  sklearn: string; rows: number; dim: number; X: number[]; y: number[]; X_test: number[]; fits: SkFit[];
  collinear: { dim: number; X: number[]; X_test: number[]; fits: SkFit[] };
}

// Made by test/fixtures/make_ridge_fixture.py (scikit-learn LinearRegression and Ridge(solver="svd")).
const SK = JSON.parse(readFileSync(new URL('../fixtures/sklearn-ridge.json', import.meta.url), 'utf8')) as SkRidge;
const TOL = 1e-6;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function check(dim: number, X: number[], xTest: number[], fits: SkFit[]): number {
  const x = Float64Array.from(X);
  const y = Float64Array.from(SK.y);
  let worst = 0;
  for (const sk of fits) {
    const fit = trainRidge(x, SK.rows, dim, y, { alpha: sk.alpha });
    const pred = predictRidge(Float64Array.from(xTest), xTest.length / dim, dim, fit);
    const dw = maxAbsDiff(fit.weights, sk.weights);
    const db = Math.abs(fit.bias - sk.bias);
    const dp = maxAbsDiff(pred, sk.predictions);
    assert.ok(dw < TOL && db < TOL && dp < TOL, `alpha ${sk.alpha}: |Δw| ${dw}, |Δb| ${db}, |Δpred| ${dp}`);
    worst = Math.max(worst, dw, db, dp);
  }
  return worst;
}

test('agrees with scikit-learn LinearRegression and Ridge to 1e-6 (features on very different scales)', (t) => {
  const worst = check(SK.dim, SK.X, SK.X_test, SK.fits);
  t.diagnostic(`max |difference| over weights, bias, predictions: ${worst.toExponential(2)}`);
});

test('collinear design: ridge is unique, least squares returns the minimum-norm solution as lstsq does', (t) => {
  const worst = check(SK.collinear.dim, SK.collinear.X, SK.collinear.X_test, SK.collinear.fits);
  t.diagnostic(`max |difference|: ${worst.toExponential(2)}`);
  const fit = trainRidge(Float64Array.from(SK.collinear.X), SK.rows, SK.collinear.dim, Float64Array.from(SK.y), { alpha: 0 });
  assert.equal(fit.rank, SK.collinear.dim - 2);
});

test('recovers an exact linear relation; the intercept is not penalized', () => {
  const rows = 50;
  const x = Float64Array.from({ length: rows * 2 }, (_, q) => Math.sin(q * 1.7) * 3 + (q % 2) * 10);
  const y = Float64Array.from({ length: rows }, (_, i) => 2 * x[i * 2] - 0.5 * x[i * 2 + 1] + 7);
  const fit = trainRidge(x, rows, 2, y, { alpha: 0 });
  assert.ok(Math.abs(fit.weights[0] - 2) < 1e-10 && Math.abs(fit.weights[1] + 0.5) < 1e-10 && Math.abs(fit.bias - 7) < 1e-9);
  // A huge penalty shrinks the weights to 0, leaving the intercept at the mean of y.
  const flat = trainRidge(x, rows, 2, y, { alpha: 1e12 });
  const mean = y.reduce((s, v) => s + v, 0) / rows;
  assert.ok(Math.abs(flat.bias - mean) < 1e-6 && Math.abs(flat.weights[0]) < 1e-6);
});

test('constant columns get weight 0; no features gives the mean', () => {
  const x = Float64Array.from([1, 5, 2, 5, 3, 5, 4, 5]);
  const y = Float64Array.from([2, 4, 6, 8]);
  for (const alpha of [0, 1]) {
    const fit = trainRidge(x, 4, 2, y, { alpha });
    assert.equal(Math.abs(fit.weights[1]) < 1e-12, true, `alpha ${alpha}: ${fit.weights[1]}`);
  }
  const none = trainRidge(new Float64Array(0), 4, 0, y, { alpha: 0 });
  assert.equal(none.bias, 5);
  assert.deepEqual(Array.from(predictRidge(new Float64Array(0), 2, 0, none)), [5, 5]);
});

test('bad input gets a clear error', () => {
  const x = Float64Array.from([1, 2, 3]);
  const y = Float64Array.from([1, 2, 3]);
  assert.throws(() => trainRidge(x, 3, 1, y, { alpha: -1 }), /alpha must be a finite number ≥ 0/);
  assert.throws(() => trainRidge(x, 3, 1, y, { alpha: NaN }), /alpha/);
  assert.throws(() => trainRidge(x, 2, 1, y, { alpha: 0 }), /x has 3 values, expected 2×1/);
  assert.throws(() => trainRidge(Float64Array.from([1, NaN, 3]), 3, 1, y, { alpha: 0 }), /row 1, column 0\] is NaN; impute/);
  assert.throws(() => trainRidge(x, 3, 1, Float64Array.from([1, Infinity, 3]), { alpha: 0 }), /y\[1\] is Infinity/);
  assert.throws(() => trainRidge(new Float64Array(0), 0, 1, new Float64Array(0), { alpha: 0 }), /no rows/);
  assert.throws(() => predictRidge(x, 1, 3, { weights: [1], bias: 0 }), /1 weights, data has 3 columns/);
});
