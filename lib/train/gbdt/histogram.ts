// Gradient/hessian(/count) histograms over bin codes: the hot loop, plus histogram subtraction.
//
// Layout: one Float64Array per node, feature f at offset f·256·S, bin b at +b·S, slots
// [gradient sum, hessian sum(, row count)]; S = 2 when every hessian is 1 (the count is the hessian
// sum), else 3. Rows are read row-major (codes[r·F + f]) so that one row's gradient pair is loaded
// once for all its features: measured 2–3× faster here than a column-by-column pass.

import { BIN_SLOTS } from './binning.js';

export interface HistogramInput {
  /** Row-major bin codes, rows × features. */
  codes: Uint8Array;
  features: number;
  /** Interleaved [g0, h0, g1, h1, …] per row. */
  gh: Float64Array;
  /** Slots per bin: 2 or 3. */
  slots: 2 | 3;
}

/** Histogram length for `features` features with `slots` slots per bin. */
export function histogramLength(features: number, slots: number): number {
  return features * BIN_SLOTS * slots;
}

function buildAll2(hist: Float64Array, codes: Uint8Array, F: number, gh: Float64Array, idx: Int32Array, start: number, end: number): void {
  hist.fill(0);
  for (let k = start; k < end; k++) {
    const r = idx[k];
    const g = gh[2 * r];
    const h = gh[2 * r + 1];
    const base = r * F;
    for (let f = 0; f < F; f++) {
      const o = (f << 9) + (codes[base + f] << 1);
      hist[o] += g;
      hist[o + 1] += h;
    }
  }
}

function buildAll3(hist: Float64Array, codes: Uint8Array, F: number, gh: Float64Array, idx: Int32Array, start: number, end: number): void {
  hist.fill(0);
  for (let k = start; k < end; k++) {
    const r = idx[k];
    const g = gh[2 * r];
    const h = gh[2 * r + 1];
    const base = r * F;
    for (let f = 0; f < F; f++) {
      const o = ((f << 8) + codes[base + f]) * 3;
      hist[o] += g;
      hist[o + 1] += h;
      hist[o + 2] += 1;
    }
  }
}

function buildSubset(
  hist: Float64Array, codes: Uint8Array, F: number, gh: Float64Array, idx: Int32Array, start: number, end: number,
  feats: Int32Array, S: number,
): void {
  const n = feats.length;
  const width = BIN_SLOTS * S;
  for (let j = 0; j < n; j++) hist.fill(0, feats[j] * width, (feats[j] + 1) * width);
  for (let k = start; k < end; k++) {
    const r = idx[k];
    const g = gh[2 * r];
    const h = gh[2 * r + 1];
    const base = r * F;
    for (let j = 0; j < n; j++) {
      const f = feats[j];
      const o = ((f << 8) + codes[base + f]) * S;
      hist[o] += g;
      hist[o + 1] += h;
      if (S === 3) hist[o + 2] += 1;
    }
  }
}

/**
 * Fills `hist` with the sums over rows idx[start..end) for the features in `feats`
 * (ascending; when it holds every feature the full-width loops run). Other features' slots are left as they were.
 */
export function buildHistogram(hist: Float64Array, input: HistogramInput, idx: Int32Array, start: number, end: number, feats: Int32Array): void {
  const { codes, features, gh, slots } = input;
  if (feats.length === features) {
    if (slots === 2) buildAll2(hist, codes, features, gh, idx, start, end);
    else buildAll3(hist, codes, features, gh, idx, start, end);
  } else {
    buildSubset(hist, codes, features, gh, idx, start, end, feats, slots);
  }
}

/** parent −= child over the features in `feats`: the parent buffer becomes the sibling's histogram. */
export function subtractHistogram(parent: Float64Array, child: Float64Array, feats: Int32Array, slots: number): void {
  const width = BIN_SLOTS * slots;
  for (let j = 0; j < feats.length; j++) {
    const from = feats[j] * width;
    const to = from + width;
    for (let i = from; i < to; i++) parent[i] -= child[i];
  }
}
