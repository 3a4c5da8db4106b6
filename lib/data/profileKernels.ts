// The profile's passes over a numeric column, unrolled and fused: extremes and sum in one, fine cells, squares and HyperLogLog in the other.
import { wordsOf } from '../stats/hash.js';
import { cellScale } from '../stats/quantiles.js';

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
 * returned, and, when `registers` is given, every non-missing value (±Infinity too) into a precision-14
 * HyperLogLog with the hash of lib/stats/distinct.ts (so the estimate is the one it gives).
 */
export function cellsSquaresSketch(values: Float64Array, min: number, max: number, mean: number, fine: Int32Array, registers: Uint8Array | null): number {
  return registers ? withSketch(values, min, max, mean, fine, registers) : cellsOnly(values, min, max, mean, fine);
}

function cellsOnly(values: Float64Array, min: number, max: number, mean: number, fine: Int32Array): number {
  const scale = cellScale(min, max, fine.length);
  const last = fine.length - 1;
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= min && v <= max)) continue;
    let c = ((v - min) * scale) | 0;
    if (c > last) c = last;
    fine[c]++;
    const d = v - mean;
    ss += d * d;
  }
  return ss;
}

function withSketch(values: Float64Array, min: number, max: number, mean: number, fine: Int32Array, registers: Uint8Array): number {
  const scale = cellScale(min, max, fine.length);
  const last = fine.length - 1;
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
  }
  return ss;
}
