// GBDT row counts without a count slot: the hessian-bounded split scan picks exactly what the counted scan picks; leaves keep minSamplesLeaf.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../lib/train/cv.js';
import { MISSING_BIN, packRows } from '../../lib/train/gbdt/binning.js';
import { countMissing, featuresWithMissing, NodeCounter } from '../../lib/train/gbdt/counts.js';
import { buildHistogram, histogramLength, subtractHistogram } from '../../lib/train/gbdt/histogram.js';
import { histogramInput, setGradients } from '../../lib/train/gbdt/records.js';
import { emptyCandidate, findBestSplit } from '../../lib/train/gbdt/split.js';
import { trainGbdt } from '../../lib/train/gbdt/index.js';

/** Codes with missing values in some features; hessians mostly 0.2, a tenth of rows nearly saturated (1e-6) with large gradients. */
function data(rows: number, features: number, seed: number): { columns: Uint8Array; gh: Float64Array } {
  const rand = mulberry32(seed);
  const columns = new Uint8Array(rows * features);
  for (let f = 0; f < features; f++) {
    for (let i = 0; i < rows; i++) columns[f * rows + i] = f % 2 === 1 && rand() < 0.04 ? MISSING_BIN : Math.floor(rand() * (8 + 5 * f));
  }
  const gh = new Float64Array(2 * rows);
  for (let i = 0; i < rows; i++) {
    const saturated = rand() < 0.1;
    gh[2 * i] = saturated ? (rand() < 0.5 ? 1 : -1) * 0.999 : rand() - 0.5 + 0.3 * Math.sin(columns[i]);
    gh[2 * i + 1] = saturated ? 1e-6 : 0.2;
  }
  return { columns, gh };
}

test('the bounded scan over [g, h] histograms picks the same split as the scan with exact counts, at every minSamplesLeaf', () => {
  const rows = 4000;
  const F = 6;
  for (const seed of [1, 2, 3]) {
    const { columns, gh } = data(rows, F, seed);
    const counted = histogramInput(packRows(columns, rows, F), rows, F, 2);
    const bounded = histogramInput(packRows(columns, rows, F), rows, F, 1);
    setGradients(counted, gh);
    setGradients(bounded, gh);
    const idx = Int32Array.from({ length: rows }, (_, i) => i);
    const feats = Int32Array.from({ length: F }, (_, f) => f);
    const numBins = Int32Array.from({ length: F }, (_, f) => 8 + 5 * f);
    const withMissing = featuresWithMissing(bounded);
    assert.deepEqual(Array.from(withMissing), [1, 3, 5]);
    // A node derived by subtraction (rows 1500..4000 = all − first 1500), as the grower makes them.
    const hc = new Float64Array(histogramLength(F, 2));
    const hb = new Float64Array(histogramLength(F, 1));
    const small = 1500;
    const sub = (h: Float64Array, input: typeof counted, shift: number) => {
      const child = new Float64Array(h.length);
      buildHistogram(h, input, idx, 0, rows, feats);
      buildHistogram(child, input, idx, 0, small, feats);
      subtractHistogram(h, child, feats, numBins, shift);
    };
    sub(hc, counted, 2);
    sub(hb, bounded, 1);
    let G = 0;
    let H = 0;
    for (let i = small; i < rows; i++) {
      G += Math.fround(gh[2 * i]);
      H += Math.fround(gh[2 * i + 1]);
    }
    const miss = new Int32Array(F);
    countMissing(bounded, idx, small, rows, withMissing, miss);
    const counter = new NodeCounter(bounded);
    for (const msl of [1, 20, 200, 900, 1300]) {
      const rules = { lambda: 0, minChildWeight: 1e-3, minSamplesLeaf: msl, minSplitGain: 0 };
      const a = emptyCandidate();
      const b = emptyCandidate();
      findBestSplit(hc, 2, feats, numBins, G, H, rows - small, rules, a);
      findBestSplit(hb, 1, feats, numBins, G, H, rows - small, rules, b, counter.set(idx, small, rows, miss, 0.2, H, 1));
      const what = `seed ${seed}, minSamplesLeaf ${msl}`;
      assert.equal(b.feature, a.feature, what);
      assert.equal(b.bin, a.bin, what);
      assert.equal(b.gain, a.gain, what);
      assert.equal(b.hasMissing, a.hasMissing, what);
      if (a.hasMissing) assert.equal(b.defaultLeft, a.defaultLeft, what);
    }
  }
});

test('classifiers keep minSamplesLeaf in every leaf even when most hessians are tiny, and NaN-only splits still exist', () => {
  const rows = 3000;
  const rand = mulberry32(9);
  const x = new Float64Array(rows * 3);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    x[i] = rand() * 10;
    x[rows + i] = rand() < 0.05 ? NaN : rand();
    x[2 * rows + i] = Math.floor(rand() * 4);
    y[i] = x[i] > 5 || Number.isNaN(x[rows + i]) ? 1 : 0;
  }
  for (const minSamplesLeaf of [5, 60]) {
    const m = trainGbdt(x, rows, 3, y, { objective: 'binary', nEstimators: 40, learningRate: 0.5, maxDepth: 0, maxLeaves: 31, minSamplesLeaf });
    for (const t of m.trees) for (const n of t.nodes) if (n.kind === 'leaf') assert.ok(n.count >= minSamplesLeaf, `leaf of ${n.count} rows`);
    assert.ok(m.trees.some((t) => t.nodes.some((n) => n.kind === 'split' && n.feature === 1)), 'feature 1 (missingness) is used');
  }
});
