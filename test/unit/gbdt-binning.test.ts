// GBDT internals: float32-exact quantile cuts, bin codes vs raw thresholds, histogram subtraction, split scan.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../lib/train/cv.js';
import { binMatrix, binOf, fitBinMapper, MISSING_BIN, packRows, quantileCuts, thresholdOf } from '../../lib/train/gbdt/binning.js';
import { buildHistogram, histogramLength, subtractHistogram } from '../../lib/train/gbdt/histogram.js';
import { buildRootHistogram } from '../../lib/train/gbdt/rootHistogram.js';
import { histogramInput, setGradients, type HistogramInput } from '../../lib/train/gbdt/records.js';
import { emptyCandidate, findBestSplit } from '../../lib/train/gbdt/split.js';

test('few distinct values get one bin each, cut between neighbours and float32-exact', () => {
  const cuts = quantileCuts(Float64Array.of(1, 1, 2, 3, 3, 3, 10).map(Math.fround), 255);
  assert.deepEqual(Array.from(cuts), [1.5, 2.5, 6.5]);
  // Adjacent float32 values: the midpoint is not representable, so the cut is the lower value.
  const bits = new Float32Array(1);
  bits[0] = 0.1;
  const a = bits[0];
  new Int32Array(bits.buffer)[0] += 1; // the next float32 above 0.1
  const next = bits[0];
  assert.ok(next > a && Math.fround(a + (next - a) / 2) !== a + (next - a) / 2);
  const c = quantileCuts(Float64Array.of(a, next), 255);
  assert.equal(c[0], a);
  for (const v of cuts) assert.equal(Math.fround(v), v);
});

test('many distinct values give at most maxBins bins of roughly equal counts; a heavy value keeps its own bin', () => {
  const rand = mulberry32(1);
  const values = Float64Array.from({ length: 10000 }, () => Math.fround(rand() * 1000)).sort();
  const cuts = quantileCuts(values, 16);
  assert.equal(cuts.length, 15);
  const counts = new Array(16).fill(0);
  for (const v of values) counts[binOf(v, cuts)]++;
  for (const c of counts) assert.ok(c > 450 && c < 800, `bin sizes ${counts}`);
  // 1..100 once each, 200 five hundred times, 201..300 once each: 200 sits alone in its bin.
  const heavy = Float64Array.from([...Array.from({ length: 100 }, (_, i) => i + 1), ...new Array(500).fill(200), ...Array.from({ length: 100 }, (_, i) => 201 + i)]);
  const hc = quantileCuts(heavy, 10);
  assert.ok(hc.length <= 9);
  assert.ok(binOf(100, hc) < binOf(200, hc) && binOf(200, hc) < binOf(201, hc), `cuts ${Array.from(hc)}`);
});

test('the bin code of a value agrees with the raw float32 threshold test, NaN gets the missing bin', () => {
  const rand = mulberry32(2);
  const n = 5000;
  const x = Float64Array.from({ length: n * 2 }, (_, i) => (i % 97 === 0 ? NaN : (rand() - 0.5) * 10 ** (1 + (i % 5))));
  const mapper = fitBinMapper(x, n, 2, 64, 1000, 3);
  const { codes, stride, columns } = binMatrix(x, n, 2, mapper);
  assert.equal(stride, 4 + 8);
  for (let f = 0; f < 2; f++) {
    for (let i = 0; i < n; i++) {
      const v = x[f * n + i];
      const code: number = codes[i * stride + f];
      assert.equal(columns[f * n + i], code);
      if (Number.isNaN(v)) {
        assert.equal(code, MISSING_BIN);
        continue;
      }
      for (const bin of [0, 10, 40, mapper.numBins[f] - 2]) {
        assert.equal(code <= bin, Math.fround(v) <= thresholdOf(mapper, f, bin), `f${f} v=${v} bin ${bin}`);
      }
    }
  }
});

function randomInput(rows: number, features: number, shift: 1 | 2, seed: number): HistogramInput {
  const rand = mulberry32(seed);
  const columns = new Uint8Array(rows * features);
  for (let i = 0; i < columns.length; i++) columns[i] = rand() < 0.05 ? MISSING_BIN : Math.floor(rand() * 40);
  const input = histogramInput(packRows(columns, rows, features), rows, features, shift);
  setGradients(input, Float64Array.from({ length: 2 * rows }, (_, k) => (k % 2 === 0 ? rand() - 0.5 : shift === 1 ? 1 : rand() * 0.25)));
  return input;
}

test('a histogram built directly equals parent minus sibling, with and without counts, all or some features', () => {
  for (const shift of [1, 2] as const) {
    const rows = 3000;
    const F = 7;
    const input = randomInput(rows, F, shift, 4 + shift);
    const idx = Int32Array.from({ length: rows }, (_, i) => i);
    for (const feats of [Int32Array.from({ length: F }, (_, f) => f), Int32Array.of(1, 4, 6)]) {
      const parent = new Float64Array(histogramLength(F, shift));
      const left = new Float64Array(parent.length);
      const right = new Float64Array(parent.length);
      buildHistogram(parent, input, idx, 0, rows, feats);
      buildHistogram(left, input, idx, 0, 1234, feats);
      buildHistogram(right, input, idx, 1234, rows, feats);
      subtractHistogram(parent, left, feats, new Int32Array(F).fill(40), shift);
      for (const f of feats) {
        for (let k = f * (256 << shift); k < (f + 1) * (256 << shift); k++) assert.ok(Math.abs(parent[k] - right[k]) < 1e-9);
      }
      const root = new Float64Array(parent.length);
      buildRootHistogram(root, input);
      buildHistogram(parent, input, idx, 0, rows, Int32Array.from({ length: F }, (_, f) => f));
      for (let k = 0; k < root.length; k++) assert.ok(Math.abs(root[k] - parent[k]) < 1e-9, 'root histogram');
      subtractHistogram(parent, left, feats, new Int32Array(F).fill(40), shift);
      if (shift === 2) {
        let count = 0;
        for (let b = 0; b < 256; b++) count += right[(((feats[0] << 8) + b) << 2) + 2];
        assert.equal(count, rows - 1234);
      }
    }
  }
});

test('the split scan finds the separating bin and sends missing rows where they belong', () => {
  // One feature: bins 0..9; rows in bins 0–4 have gradient +1, bins 5–9 −1, missing rows −1.
  const rows = 1100;
  const columns = new Uint8Array(rows);
  const gh = new Float64Array(2 * rows);
  for (let i = 0; i < rows; i++) {
    const c = i < 1000 ? i % 10 : MISSING_BIN;
    columns[i] = c;
    gh[2 * i] = c < 5 ? 1 : -1;
    gh[2 * i + 1] = 1;
  }
  const input = histogramInput(packRows(columns, rows, 1), rows, 1, 2);
  setGradients(input, gh);
  const hist = new Float64Array(histogramLength(1, 2));
  const feats = Int32Array.of(0);
  buildHistogram(hist, input, Int32Array.from({ length: rows }, (_, i) => i), 0, rows, feats);
  const out = emptyCandidate();
  const G = 500 - 500 - 100;
  findBestSplit(hist, 2, feats, Int32Array.of(10), G, rows, rows, { lambda: 0, minChildWeight: 0, minSamplesLeaf: 1, minSplitGain: 0 }, out);
  assert.equal(out.feature, 0);
  assert.equal(out.bin, 4);
  assert.equal(out.defaultLeft, false);
  assert.equal(out.leftC, 500);
  assert.ok(Math.abs(out.gain - (500 + 600 - (100 * 100) / 1100)) < 1e-9);
  // No split leaves 600 rows on both sides of 1,100.
  findBestSplit(hist, 2, feats, Int32Array.of(10), G, rows, rows, { lambda: 0, minChildWeight: 0, minSamplesLeaf: 600, minSplitGain: 0 }, out);
  assert.equal(out.feature, -1);
});
