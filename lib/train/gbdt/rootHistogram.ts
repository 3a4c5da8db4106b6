// The root histogram (every row, every feature): records read in storage order, counts made once per data set.

import { BIN_SLOTS } from './binning.js';
import { buildHistogram, histogramLength } from './histogram.js';
import { LITTLE_ENDIAN, type HistogramInput } from './records.js';

const rootCounts = new WeakMap<HistogramInput, Float64Array>();

/** Rows per bin over all rows (constant across trees), from the column-major codes. */
export function countsOf(input: HistogramInput): Float64Array {
  let counts = rootCounts.get(input);
  if (!counts) {
    counts = new Float64Array(input.features * BIN_SLOTS);
    const { columns, rows } = input;
    for (let f = 0; f < input.features; f++) for (let i = 0, b = f * rows, o = f * BIN_SLOTS; i < rows; i++) counts[o + columns[b + i]]++;
    rootCounts.set(input, counts);
  }
  return counts;
}

const compactScratch = new WeakMap<HistogramInput, Float64Array>();

/**
 * The histogram of every row over every feature: records read in storage order (no index), only
 * gradient and hessian accumulated, into a compact [g, h] buffer (half the cache footprint); the
 * per-bin row counts (shift 2) come from a count made once.
 */
export function buildRootHistogram(hist: Float64Array, input: HistogramInput): void {
  const { words, grads, codes, features: F, shift } = input;
  if (!LITTLE_ENDIAN) {
    buildHistogram(hist, input, Int32Array.from({ length: input.rows }, (_, i) => i), 0, input.rows, Int32Array.from({ length: F }, (_, f) => f));
    return;
  }
  let acc = compactScratch.get(input);
  if (!acc) {
    acc = new Float64Array(histogramLength(F, 1));
    compactScratch.set(input, acc);
  }
  acc.fill(0);
  const rw = input.stride >> 2;
  const W = F >> 2;
  const end = input.rows * rw;
  for (let wb = 0; wb < end; wb += rw) {
    const g = grads[wb + rw - 2];
    const h = grads[wb + rw - 1];
    for (let w = 0, fo = 0; w < W; w++, fo += 1024) {
      const c = words[wb + w];
      const o0 = (fo + (c & 255)) << 1;
      const o1 = (fo + 256 + ((c >>> 8) & 255)) << 1;
      const o2 = (fo + 512 + ((c >>> 16) & 255)) << 1;
      const o3 = (fo + 768 + (c >>> 24)) << 1;
      acc[o0] += g;
      acc[o0 + 1] += h;
      acc[o1] += g;
      acc[o1 + 1] += h;
      acc[o2] += g;
      acc[o2 + 1] += h;
      acc[o3] += g;
      acc[o3 + 1] += h;
    }
    for (let f = W << 2, b = wb << 2; f < F; f++) {
      const o = ((f << 8) + codes[b + f]) << 1;
      acc[o] += g;
      acc[o + 1] += h;
    }
  }
  if (shift === 1) {
    hist.set(acc);
    return;
  }
  const counts = countsOf(input);
  for (let q = 0; q < counts.length; q++) {
    hist[q << 2] = acc[q << 1];
    hist[(q << 2) + 1] = acc[(q << 1) + 1];
    hist[(q << 2) + 2] = counts[q];
    hist[(q << 2) + 3] = 0;
  }
}
