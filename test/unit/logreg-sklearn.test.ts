// Logistic regression on standardized data against scikit-learn's lbfgs solver: binary and multinomial coefficients to 1e-3.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { predictProbaLinear, trainLogReg } from '../../lib/train/logreg.js';
import { fitPreprocessor, transform } from '../../lib/train/preprocess.js';
import type { Table } from '../../lib/data/table.js';

interface SkCase {
  name: string; rows: number; dim: number; classes: number; X: number[]; y: number[];
  fits: { l2: number; C: number; weights: number[]; bias: number[]; proba: number[] }[];
}

// Made by test/fixtures/make_logreg_sklearn_fixture.py: StandardScaler, then LogisticRegression(lbfgs, tol=1e-12).
// Multinomial: C = 1/(n·l2), intercepts centred to mean 0. Binary: one weight vector, C = 2/(n·l2) (see the script).
const SK = JSON.parse(readFileSync(new URL('../fixtures/sklearn-logreg.json', import.meta.url), 'utf8')) as { sklearn: string; cases: SkCase[] };
const TOL = 1e-3;

/** Standardizes the raw fixture columns with the project's own preprocessor (population std, as StandardScaler). */
function standardized(c: SkCase): Float64Array {
  const columns = Array.from({ length: c.dim }, (_, j) => ({
    name: `f${j}`, kind: 'numeric' as const, values: Float64Array.from({ length: c.rows }, (_, i) => c.X[i * c.dim + j]),
  }));
  const table: Table = { rows: c.rows, columns };
  const pre = fitPreprocessor(table, { numeric: columns.map((col) => col.name), categorical: [] });
  return transform(pre, table).x;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const find = (name: string): SkCase => SK.cases.find((c) => c.name === name) as SkCase;

test('binary: the logit difference of our 2-row softmax equals scikit-learn\'s single weight vector', (t) => {
  const c = find('binary');
  const x = standardized(c);
  const y = Int32Array.from(c.y);
  for (const sk of c.fits) {
    const fit = trainLogReg(x, c.dim, y, 2, { l2: sk.l2, tol: 1e-10, maxIter: 5000 });
    assert.ok(fit.converged, `l2 ${sk.l2}: not converged after ${fit.iterations} iterations`);
    const w = Float64Array.from({ length: c.dim }, (_, j) => fit.weights[c.dim + j] - fit.weights[j]);
    const b = fit.bias[1] - fit.bias[0];
    const dw = maxAbs(w, sk.weights);
    const db = Math.abs(b - sk.bias[0]);
    const dp = maxAbs(predictProbaLinear(x.subarray(0, 5 * c.dim), c.dim, fit.weights, fit.bias, 2), sk.proba);
    t.diagnostic(`l2 ${sk.l2} (C ${sk.C.toPrecision(4)}): max |Δw| ${dw.toExponential(2)}, |Δb| ${db.toExponential(2)}, max |Δp| ${dp.toExponential(2)}`);
    assert.ok(dw < TOL && db < TOL && dp < TOL, `l2 ${sk.l2}: |Δw| ${dw}, |Δb| ${db}, |Δp| ${dp}`);
    // The two rows are mirror images at the optimum (the penalty splits the logit evenly).
    for (let j = 0; j < c.dim; j++) assert.ok(Math.abs(fit.weights[j] + fit.weights[c.dim + j]) < 1e-6);
  }
});

test('multinomial: weights and (centred) intercepts equal scikit-learn\'s', (t) => {
  const c = find('multinomial');
  const x = standardized(c);
  const y = Int32Array.from(c.y);
  for (const sk of c.fits) {
    const fit = trainLogReg(x, c.dim, y, c.classes, { l2: sk.l2, tol: 1e-10, maxIter: 5000 });
    assert.ok(fit.converged, `l2 ${sk.l2}: not converged after ${fit.iterations} iterations`);
    const mean = fit.bias.reduce((s, v) => s + v, 0) / c.classes;
    const dw = maxAbs(fit.weights, sk.weights);
    const db = maxAbs(fit.bias.map((v) => v - mean), sk.bias);
    const dp = maxAbs(predictProbaLinear(x.subarray(0, 5 * c.dim), c.dim, fit.weights, fit.bias, c.classes), sk.proba);
    t.diagnostic(`l2 ${sk.l2} (C ${sk.C.toPrecision(4)}): max |ΔW| ${dw.toExponential(2)}, |Δb| ${db.toExponential(2)}, max |Δp| ${dp.toExponential(2)}`);
    assert.ok(dw < TOL && db < TOL && dp < TOL, `l2 ${sk.l2}: |ΔW| ${dw}, |Δb| ${db}, |Δp| ${dp}`);
  }
});

test('at the default tolerance the coefficients still agree to 1e-3', () => {
  for (const c of SK.cases) {
    const x = standardized(c);
    const sk = c.fits[1];
    const fit = trainLogReg(x, c.dim, Int32Array.from(c.y), c.classes, { l2: sk.l2 });
    const ours = c.classes === 2
      ? Float64Array.from({ length: c.dim }, (_, j) => fit.weights[c.dim + j] - fit.weights[j])
      : fit.weights;
    assert.ok(maxAbs(ours, sk.weights) < TOL, `${c.name}: ${maxAbs(ours, sk.weights)}`);
  }
});
