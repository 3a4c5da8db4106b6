// GBDT missing values (learned default direction, missing-only splits) and early stopping on validation data.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../lib/train/cv.js';
import { accuracy } from '../../lib/train/metrics.js';
import { FLOAT32_MAX, predictGbdtProba, predictGbdtValue, trainGbdt, type GbdtModel } from '../../lib/train/gbdt/index.js';

/** x0 uniform in [0, 1), y = x0 > 0.5; a fifth of the x0 values are NaN and those rows have label `missingLabel`. */
function informativeMissing(n: number, missingLabel: number, seed: number): { x: Float64Array; y: Int32Array; missing: number[] } {
  const rand = mulberry32(seed);
  const x = new Float64Array(n * 2);
  const y = new Int32Array(n);
  const missing: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = rand();
    x[n + i] = rand();
    if (rand() < 0.2) {
      x[i] = NaN;
      y[i] = missingLabel;
      missing.push(i);
    } else {
      x[i] = v;
      y[i] = v > 0.5 ? 1 : 0;
    }
  }
  return { x, y, missing };
}

function withFlippedDefaults(model: GbdtModel): GbdtModel {
  const copy = JSON.parse(JSON.stringify(model)) as GbdtModel;
  for (const t of copy.trees) for (const n of t.nodes) if (n.kind === 'split' && n.feature === 0) n.defaultLeft = !n.defaultLeft;
  return copy;
}

function accuracyOn(model: GbdtModel, x: Float64Array, n: number, y: Int32Array, rows: number[]): number {
  const proba = predictGbdtProba(model, x, n);
  const sub = new Float64Array(rows.length * 2);
  rows.forEach((i, k) => sub.set(proba.subarray(2 * i, 2 * i + 2), 2 * k));
  return accuracy(Int32Array.from(rows, (i) => y[i]), sub, 2);
}

test('missing values follow the learned default direction, and that direction matters', () => {
  for (const missingLabel of [0, 1]) {
    const train = informativeMissing(4000, missingLabel, 1);
    const test = informativeMissing(2000, missingLabel, 2);
    const model = trainGbdt(train.x, 4000, 2, train.y, { objective: 'binary', nEstimators: 30, maxLeaves: 4 });
    const root = model.trees[0].nodes[0];
    assert.ok(root.kind === 'split' && root.feature === 0);
    // Missing rows look like "x0 > 0.5" when their label is 1 (go right), like "x0 ≤ 0.5" when it is 0 (go left).
    assert.equal(root.defaultLeft, missingLabel === 0, `label ${missingLabel}: root default ${root.defaultLeft}`);
    const accMissing = accuracyOn(model, test.x, 2000, test.y, test.missing);
    const accFlipped = accuracyOn(withFlippedDefaults(model), test.x, 2000, test.y, test.missing);
    assert.ok(accMissing > 0.99, `accuracy on missing rows ${accMissing}`);
    assert.ok(accFlipped < 0.1, `with the defaults flipped ${accFlipped}`);
    assert.ok(accuracy(test.y, predictGbdtProba(model, test.x, 2000), 2) > 0.98);
  }
});

test('missingness alone can be the signal: a split sends every value left and only NaN right', () => {
  const n = 3000;
  const rand = mulberry32(5);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const miss = rand() < 0.3;
    x[i] = miss ? NaN : rand() * 100;
    y[i] = miss ? 10 : 0;
  }
  const model = trainGbdt(x, n, 1, y, { objective: 'regression', nEstimators: 50, learningRate: 0.3, maxLeaves: 2 });
  const root = model.trees[0].nodes[0];
  assert.ok(root.kind === 'split');
  assert.equal(root.threshold, FLOAT32_MAX);
  assert.equal(root.defaultLeft, false);
  const p = predictGbdtValue(model, Float64Array.of(NaN, 3, 99, 1e6), 4);
  assert.ok(Math.abs(p[0] - 10) < 1e-3 && Math.abs(p[1]) < 1e-3 && Math.abs(p[2]) < 1e-3 && Math.abs(p[3]) < 1e-3, `got ${Array.from(p)}`);
});

test('with no missing values in training, NaN at prediction goes to the side that held more rows', () => {
  const n = 2000;
  const rand = mulberry32(9);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rand();
    y[i] = x[i] < 0.8 ? 1 : 5;
  }
  const model = trainGbdt(x, n, 1, y, { objective: 'regression', nEstimators: 20, learningRate: 0.5, maxLeaves: 2 });
  const root = model.trees[0].nodes[0];
  assert.ok(root.kind === 'split' && root.defaultLeft, 'the larger side (x < 0.8) is left');
  const p = predictGbdtValue(model, Float64Array.of(NaN), 1);
  assert.ok(Math.abs(p[0] - 1) < 0.01, `NaN predicted ${p[0]}`);
});

/** A noisy regression on which many rounds at a high learning rate overfit. */
function noisy(n: number, seed: number): { x: Float64Array; y: Float64Array } {
  const rand = mulberry32(seed);
  const x = new Float64Array(n * 3);
  for (let i = 0; i < x.length; i++) x[i] = rand();
  const y = Float64Array.from({ length: n }, (_, i) => x[i] + 2 * (rand() - 0.5));
  return { x, y };
}

test('early stopping stops after earlyStoppingRounds without improvement and keeps the best round', () => {
  const train = noisy(1500, 1);
  const valid = noisy(800, 2);
  const model = trainGbdt(train.x, 1500, 3, train.y, {
    objective: 'regression', nEstimators: 500, learningRate: 0.3, maxLeaves: 31, minSamplesLeaf: 2,
    earlyStoppingRounds: 10, validation: { x: valid.x, rows: 800, y: valid.y },
  });
  const losses = model.validationLoss as number[];
  assert.ok(model.bestIteration < 100, `best iteration ${model.bestIteration}`);
  assert.equal(model.iterations, model.bestIteration + 10);
  assert.equal(losses.length, model.iterations);
  assert.equal(model.trees.length, model.bestIteration);
  assert.equal(Math.min(...losses), losses[model.bestIteration - 1]);
  // Predictions use the kept trees only: their validation loss is the best one.
  const p = predictGbdtValue(model, valid.x, 800);
  const mse = p.reduce((s, v, i) => s + (v - valid.y[i]) ** 2, 0) / 800;
  assert.ok(Math.abs(mse - losses[model.bestIteration - 1]) < 1e-9, `${mse} vs ${losses[model.bestIteration - 1]}`);
});

test('early stopping without validation data holds out a stratified fraction of the training rows', () => {
  const { x, y } = informativeMissing(3000, 1, 4);
  const seen: number[] = [];
  const model = trainGbdt(x, 3000, 2, y, {
    objective: 'binary', nEstimators: 400, learningRate: 0.5, earlyStoppingRounds: 5, validationFraction: 0.2,
    onIteration: ({ iteration }) => seen.push(iteration),
  });
  assert.ok(model.iterations < 400 && model.bestIteration === model.iterations - 5);
  assert.deepEqual(seen, Array.from({ length: model.iterations }, (_, i) => i + 1));
  assert.throws(() => trainGbdt(x, 3000, 2, y, { objective: 'binary', earlyStoppingRounds: 5, validationFraction: 1.5 }), /validationFraction/);
});
