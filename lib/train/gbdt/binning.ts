// Quantile bin edges per feature (float32-exact, from a seeded row sample) and the Uint8 bin codes (row records and columns).
//
// Every comparison is made on float32(x), as onnxruntime does on a float input: value bin b holds
// the values with cuts[b−1] < float32(x) ≤ cuts[b], and every cut is itself a float32 value, so a
// split "bin ≤ b" is exactly the raw test "float32(x) ≤ cuts[b]" in training, in prediction and in ONNX.

import { mulberry32 } from '../cv.js';

/** Bin code of a missing (NaN) value; value bins are 0..numBins−1 ≤ 254. */
export const MISSING_BIN = 255;
/** Histogram slots per feature: 256 bin codes. */
export const BIN_SLOTS = 256;
/** Largest finite float32: the threshold of a split that sends every non-missing value left. */
export const FLOAT32_MAX = 3.4028234663852886e38;

export interface BinMapper {
  /** Per feature, ascending float32-exact cut points (numBins − 1 of them). */
  cuts: Float64Array[];
  /** Value bins per feature (≥ 1). */
  numBins: Int32Array;
}

/** A float32-exact cut c with a ≤ c < b, for float32 values a < b: their midpoint when it separates them. */
function cutBetween(a: number, b: number): number {
  const mid = Math.fround(a + (b - a) / 2);
  return mid >= b || !Number.isFinite(mid) ? a : mid;
}

/**
 * Cut points for ascending finite float32 values: one bin per distinct value when there are at most
 * `maxBins` of them, else bins of about equal counts, each heavy value closing a bin where that
 * keeps the bin closer to its target size.
 */
export function quantileCuts(sorted: Float64Array, maxBins: number): Float64Array {
  const m = sorted.length;
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < m; i++) {
    if (values.length > 0 && sorted[i] === values[values.length - 1]) counts[counts.length - 1]++;
    else {
      values.push(sorted[i]);
      counts.push(1);
    }
  }
  const d = values.length;
  const cuts: number[] = [];
  if (d <= maxBins) {
    for (let i = 0; i + 1 < d; i++) cuts.push(cutBetween(values[i], values[i + 1]));
    return Float64Array.from(cuts);
  }
  let rest = m;
  let binsLeft = maxBins;
  let acc = 0;
  for (let i = 0; i < d && binsLeft > 1; i++) {
    const target = rest / binsLeft;
    if (acc > 0 && acc + counts[i] > target && acc + counts[i] - target > target - acc) {
      cuts.push(cutBetween(values[i - 1], values[i]));
      rest -= acc;
      binsLeft--;
      acc = 0;
      if (binsLeft === 1) break;
    }
    acc += counts[i];
    if (acc >= rest / binsLeft && i + 1 < d) {
      cuts.push(cutBetween(values[i], values[i + 1]));
      rest -= acc;
      binsLeft--;
      acc = 0;
    }
  }
  return Float64Array.from(cuts);
}

/** Row indices to learn edges from: all rows, or `sampleRows` of them drawn without replacement (ascending). */
function sampleRowIndices(rows: number, sampleRows: number, seed: number): Int32Array {
  const all = new Int32Array(rows);
  for (let i = 0; i < rows; i++) all[i] = i;
  if (rows <= sampleRows) return all;
  const rand = mulberry32(seed ^ 0x5bd1e995);
  for (let i = 0; i < sampleRows; i++) {
    const j = i + Math.floor(rand() * (rows - i));
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.slice(0, sampleRows).sort();
}

/** Learns cut points for every feature of a column-major matrix (NaN and ±Infinity do not shape the edges). */
export function fitBinMapper(x: Float64Array, rows: number, features: number, maxBins: number, sampleRows: number, seed: number): BinMapper {
  const sample = sampleRowIndices(rows, sampleRows, seed);
  const buf = new Float64Array(sample.length);
  const cuts: Float64Array[] = [];
  const numBins = new Int32Array(features);
  for (let f = 0; f < features; f++) {
    const base = f * rows;
    let m = 0;
    for (let k = 0; k < sample.length; k++) {
      const v = Math.fround(x[base + sample[k]]);
      if (Number.isFinite(v)) buf[m++] = v;
    }
    const c = quantileCuts(buf.subarray(0, m).sort(), maxBins);
    cuts.push(c);
    numBins[f] = c.length + 1;
  }
  return { cuts, numBins };
}

/** The value bin of float32 value v (not NaN): the first b with v ≤ cuts[b], else the last bin. */
export function binOf(v: number, cuts: Float64Array): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= cuts[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Bin codes twice. `codes`: one record per row, `stride` bytes long: the row's codes (byte f =
 * feature f, padded to a multiple of 4) followed by two float32 slots for its gradient and hessian,
 * which the trainer fills before each tree (one cache line fetch brings a row's codes and its
 * gradients). `columns`: column-major codes, columns[f · rows + i], for partitioning rows.
 */
export interface BinnedMatrix {
  codes: Uint8Array;
  stride: number;
  columns: Uint8Array;
}

/** Row records from column-major codes (see BinnedMatrix); gradient slots start at 0. */
export function packRows(columns: Uint8Array, rows: number, features: number): BinnedMatrix {
  const stride = ((features + 3) & ~3) + 8;
  const codes = new Uint8Array(rows * stride);
  for (let f = 0; f < features; f++) {
    const base = f * rows;
    for (let i = 0, o = f; i < rows; i++, o += stride) codes[o] = columns[base + i];
  }
  return { codes, stride, columns };
}

/**
 * binOf without branches: `padded` holds the cuts followed by +Infinity up to 256 entries, and the
 * eight halving steps count the cuts below v (measured 4× faster than the branching search).
 */
function binOfPadded(v: number, padded: Float64Array): number {
  let pos = 0;
  pos += +(padded[pos + 127] < v) << 7;
  pos += +(padded[pos + 63] < v) << 6;
  pos += +(padded[pos + 31] < v) << 5;
  pos += +(padded[pos + 15] < v) << 4;
  pos += +(padded[pos + 7] < v) << 3;
  pos += +(padded[pos + 3] < v) << 2;
  pos += +(padded[pos + 1] < v) << 1;
  pos += +(padded[pos] < v);
  return pos;
}

/** Bin codes of a column-major matrix; NaN → MISSING_BIN. */
export function binMatrix(x: Float64Array, rows: number, features: number, mapper: BinMapper): BinnedMatrix {
  const columns = new Uint8Array(rows * features);
  const padded = new Float64Array(256);
  for (let f = 0; f < features; f++) {
    padded.fill(Infinity);
    padded.set(mapper.cuts[f]);
    const base = f * rows;
    for (let i = 0; i < rows; i++) {
      const v = x[base + i];
      columns[base + i] = v !== v ? MISSING_BIN : binOfPadded(Math.fround(v), padded);
    }
  }
  return packRows(columns, rows, features);
}

/** The raw threshold of the split "value bin ≤ bin" on feature f. */
export function thresholdOf(mapper: BinMapper, f: number, bin: number): number {
  const cuts = mapper.cuts[f];
  return bin < cuts.length ? cuts[bin] : FLOAT32_MAX;
}
