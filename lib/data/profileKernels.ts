// The profile's passes over a numeric column, unrolled and fused: extremes and sum in one; fine cells, squares, HyperLogLog and a skew reference's bins in the other.
import { wordsOf } from '../stats/hash.js';
import { FINE_PER_BIN, FINE_SHIFT, cellScale } from '../stats/quantiles.js';

/**
 * Another histogram's bins (a skew reference's), counted in the profile's pass with the layout and arithmetic
 * of countOnEdges (lib/stats/bins.ts): out[0] below edges[0], out[1..B] the bins, out[B+1] above; finite values only.
 */
export interface OtherBins {
  edges: readonly number[];
  out: Int32Array;
}

/** Adds `counts[k]` rows of the value min + k to `other` (a column of small-range integers, counted). */
export function otherBinsFromIntegers(counts: Int32Array, min: number, other: OtherBins): void {
  const { edges, out } = other;
  const bins = edges.length - 1;
  const lo = edges[0];
  const hi = edges[bins];
  const scale = cellScale(lo, hi, bins * FINE_PER_BIN);
  const last = bins * FINE_PER_BIN - 1;
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] === 0) continue;
    const v = min + k;
    if (v >= lo && v <= hi) {
      let c = ((v - lo) * scale) | 0;
      if (c > last) c = last;
      out[1 + (c >> FINE_SHIFT)] += counts[k];
    } else if (v < lo) out[0] += counts[k];
    else if (v > hi) out[bins + 1] += counts[k];
  }
}

/** [nulls, infinite, min, max, sum of finite values] of the last scan. */
export const scanned = new Float64Array(5);

/** One pass, two values per step (V8 keeps both in registers; several times a plain loop's pace here); the sum in row order. */
export function scanNumbers(values: Float64Array): void {
  let nulls = 0;
  let infinite = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  const n = values.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const a = values[i];
    const b = values[i + 1];
    if (a - a === 0) {
      sum += a;
      if (a < min) min = a;
      if (a > max) max = a;
    } else if (a !== a) nulls++;
    else infinite++;
    if (b - b === 0) {
      sum += b;
      if (b < min) min = b;
      if (b > max) max = b;
    } else if (b !== b) nulls++;
    else infinite++;
  }
  for (; i < n; i++) {
    const a = values[i];
    if (a - a === 0) {
      sum += a;
      if (a < min) min = a;
      if (a > max) max = a;
    } else if (a !== a) nulls++;
    else infinite++;
  }
  scanned[0] = nulls;
  scanned[1] = infinite;
  scanned[2] = min;
  scanned[3] = max;
  scanned[4] = sum;
}

/** Σ (v − shift) over the finite values (those within [min, max]): the mean of values far from zero, precisely. */
export function shiftedSum(values: Float64Array, min: number, max: number, shift: number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= min && v <= max) sum += v - shift;
  }
  return sum;
}

/**
 * One pass: counts per fine cell of [min, max] into `fine` (the arithmetic of cellsAndSquares), Σ (v − mean)²
 * returned; when `registers` is given, every non-missing value (±Infinity too) into a precision-14
 * HyperLogLog with the hash of lib/stats/distinct.ts (so the estimate is the one it gives); when `other` is
 * given, every finite value onto its bins. [min, max] must be the finite extremes.
 */
export function cellsSquaresSketch(values: Float64Array, min: number, max: number, mean: number, fine: Int32Array, registers: Uint8Array | null, other: OtherBins | null = null): number {
  const edges = other ? other.edges : [0, 0];
  const bins = edges.length - 1;
  const lo = edges[0];
  const hi = edges[bins];
  const scale = cellScale(lo, hi, bins * FINE_PER_BIN);
  const out = other ? other.out : null;
  return registers ? withSketch(values, min, max, mean, fine, registers, lo, hi, scale, out) : cellsOnly(values, min, max, mean, fine, lo, hi, scale, out);
}

// The other bins' arguments: lo and hi (first and last edge), scale (cellScale of their fine cells), out (null: none).

function cellsOnly(values: Float64Array, min: number, max: number, mean: number, fine: Int32Array, lo: number, hi: number, scale2: number, out: Int32Array | null): number {
  const scale = cellScale(min, max, fine.length);
  const last = fine.length - 1;
  const last2 = out ? ((out.length - 2) << FINE_SHIFT) - 1 : 0;
  const above = out ? out.length - 1 : 0;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= min && v <= max)) continue;
    let c = ((v - min) * scale) | 0;
    if (c > last) c = last;
    fine[c]++;
    const d = v - mean;
    ss += d * d;
    if (out !== null) {
      if (v >= lo && v <= hi) {
        let c2 = ((v - lo) * scale2) | 0;
        if (c2 > last2) c2 = last2;
        out[1 + (c2 >> FINE_SHIFT)]++;
      } else if (v < lo) out[0]++;
      else if (v > hi) out[above]++;
    }
  }
  return ss;
}

function withSketch(values: Float64Array, min: number, max: number, mean: number, fine: Int32Array, registers: Uint8Array, lo: number, hi: number, scale2: number, out: Int32Array | null): number {
  const scale = cellScale(min, max, fine.length);
  const last = fine.length - 1;
  const last2 = out ? ((out.length - 2) << FINE_SHIFT) - 1 : 0;
  const above = out ? out.length - 1 : 0;
  const words = wordsOf(values);
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    let h = v === 0 ? 0 : words[2 * i] ^ Math.imul(words[2 * i + 1], 0x1e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const rank = Math.clz32((h << 14) | 0x2000) + 1;
    const r = h >>> 18;
    if (rank > registers[r]) registers[r] = rank;
    if (!(v >= min && v <= max)) continue;
    let c = ((v - min) * scale) | 0;
    if (c > last) c = last;
    fine[c]++;
    const d = v - mean;
    ss += d * d;
    if (out !== null) {
      if (v >= lo && v <= hi) {
        let c2 = ((v - lo) * scale2) | 0;
        if (c2 > last2) c2 = last2;
        out[1 + (c2 >> FINE_SHIFT)]++;
      } else if (v < lo) out[0]++;
      else if (v > hi) out[above]++;
    }
  }
  return ss;
}
