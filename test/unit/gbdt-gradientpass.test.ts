// GBDT fused passes: the per-tree gradient pass and the missing counts taken during a histogram equal the separate passes bit for bit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../lib/train/cv.js';
import { MISSING_BIN, packRows } from '../../lib/train/gbdt/binning.js';
import { countMissing, featuresWithMissing } from '../../lib/train/gbdt/counts.js';
import { buildHistogram, histogramLength } from '../../lib/train/gbdt/histogram.js';
import { fillGradients } from '../../lib/train/gbdt/objective.js';
import { histogramInput, sumGradients } from '../../lib/train/gbdt/records.js';
import { gradientPass } from '../../lib/train/gbdt/gradientPass.js';
import { trainGbdt, type GbdtOptions } from '../../lib/train/gbdt/index.js';

/** Codes of `features` features (odd ones with 5% missing), as row records with [g, h] histograms. */
function records(rows: number, features: number, seed: number) {
  const rand = mulberry32(seed);
  const columns = new Uint8Array(rows * features);
  for (let i = 0; i < columns.length; i++) columns[i] = Math.floor(i / rows) % 2 === 1 && rand() < 0.05 ? MISSING_BIN : Math.floor(rand() * 30);
  return histogramInput(packRows(columns, rows, features), rows, features, 1);
}

test('the gradient pass gives the scores, record gradients and sums of the separate passes, bit for bit', () => {
  const rows = 5000;
  for (const features of [7, 8]) {
    for (const binary of [true, false]) {
      const rand = mulberry32(features);
      const y = binary ? Int32Array.from({ length: rows }, () => (rand() < 0.4 ? 1 : 0)) : Float64Array.from({ length: rows }, () => rand() * 10 - 3);
      const start = Float64Array.from({ length: rows }, () => rand() * 4 - 2);
      const leafOf = Uint8Array.from({ length: rows }, () => Math.floor(rand() * 5));
      const leafValue = Float64Array.from({ length: 256 }, () => Math.fround(rand() - 0.5));
      for (const pending of [false, true]) {
        // Separate passes: score update, fillGradients into the records, sums.
        const a = records(rows, features, 3);
        const scoresA = start.slice();
        if (pending) for (let i = 0; i < rows; i++) scoresA[i] += leafValue[leafOf[i]];
        const rw = a.stride >> 2;
        fillGradients(binary ? 'binary' : 'regression', scoresA, new Float64Array(0), y, 1, 0, a.grads, rw, rw - 2);
        const sumsA = sumGradients(a, Int32Array.from({ length: rows }, (_, i) => i), 0, rows);
        // One pass.
        const b = records(rows, features, 3);
        const scoresB = start.slice();
        const sumsB = gradientPass(binary, scoresB, y, b, pending ? leafOf : null, leafValue);
        assert.deepEqual(sumsB, sumsA);
        assert.deepEqual(b.codes, a.codes);
        assert.deepEqual(scoresB, scoresA);
      }
    }
  }
});

test('missing rows counted while building a histogram equal countMissing', () => {
  const rows = 4000;
  const input = records(rows, 9, 5);
  const withMissing = featuresWithMissing(input);
  assert.deepEqual(Array.from(withMissing), [1, 3, 5, 7]);
  const idx = Int32Array.from({ length: rows }, (_, i) => i).filter((i) => i % 3 !== 0);
  const all = Int32Array.from({ length: 9 }, (_, f) => f);
  const hist = new Float64Array(histogramLength(9, 1));
  const plain = new Float64Array(hist.length);
  for (const [start, end] of [[0, idx.length], [100, 900], [5, 5]]) {
    const miss = new Int32Array(9).fill(-1);
    assert.equal(buildHistogram(hist, input, idx, start, end, all, withMissing, miss), true);
    const expected = new Int32Array(9);
    countMissing(input, idx, start, end, withMissing, expected);
    assert.deepEqual(miss, expected);
    buildHistogram(plain, input, idx, start, end, all);
    assert.deepEqual(hist, plain);
  }
  // A feature subset is built byte by byte: no counts taken.
  assert.equal(buildHistogram(hist, input, idx, 0, 10, Int32Array.of(1, 2), withMissing, new Int32Array(9)), false);
});

test('trees are the same whether or not the trainer takes the one-pass path (every row drawn, at most 256 leaves)', () => {
  const rows = 6000;
  const F = 6;
  const rand = mulberry32(11);
  const x = Float64Array.from({ length: rows * F }, (_, i) => (i % 7 === 0 && rand() < 0.1 ? NaN : rand() * 6 - 3));
  const z = Float64Array.from({ length: rows }, (_, i) => (x[i] || 0) + Math.sin(x[rows + i] || 0) + 0.5 * rand());
  const common: Omit<GbdtOptions, 'objective'> = { nEstimators: 12, learningRate: 0.3, maxDepth: 5, maxLeaves: 32, minSamplesLeaf: 10 };
  for (const [objective, y] of [['binary', Int32Array.from(z, (v) => (v > 0.3 ? 1 : 0))], ['regression', z]] as const) {
    const fused = trainGbdt(x, rows, F, y, { ...common, objective });
    // maxLeaves 300 under maxDepth 5 still allows 32 leaves, but takes the separate passes (leaf numbers above a byte).
    const separate = trainGbdt(x, rows, F, y, { ...common, maxLeaves: 300, objective });
    assert.deepEqual(fused.trees, separate.trees, objective);
  }
});
