// Exact statistics of a column of integers within a small range, by counting: no hashing, no sorting, no second look.
import { cellScale } from './quantiles.js';

/** Widest integer range [min, max] counted this way (one Int32 counter per integer). */
export const SMALL_INTEGER_RANGE = 1 << 16;

/** Rows per integer of [min, max] (missing values skipped); null as soon as a value is not such an integer. */
export function countIntegers(values: Float64Array, min: number, max: number): Int32Array | null {
  if (!Number.isInteger(min) || !Number.isInteger(max) || max - min >= SMALL_INTEGER_RANGE) return null;
  const counts = new Int32Array(max - min + 1);
  return countKernel(values, min, counts) ? counts : null;
}

function countKernel(values: Float64Array, min: number, counts: Int32Array): boolean {
  const span = counts.length - 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) continue;
    const o = v - min;
    const k = o | 0;
    if (k !== o || k < 0 || k > span) return false;
    counts[k]++;
  }
  return true;
}

export function distinctFromCounts(counts: Int32Array): number {
  let d = 0;
  for (let k = 0; k < counts.length; k++) if (counts[k] > 0) d++;
  return d;
}

/** Σ count · (value − mean)². */
export function squaresFromCounts(counts: Int32Array, min: number, mean: number): number {
  let ss = 0;
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] === 0) continue;
    const d = min + k - mean;
    ss += counts[k] * d * d;
  }
  return ss;
}

/** Counts per fine cell of [min, max], with the arithmetic of a pass over the values themselves. */
export function cellsFromCounts(counts: Int32Array, min: number, max: number, cells: Int32Array): void {
  const scale = cellScale(min, max, cells.length);
  const last = cells.length - 1;
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] === 0) continue;
    let c = ((min + k - min) * scale) | 0;
    if (c > last) c = last;
    cells[c] += counts[k];
  }
}

/** Exact quantiles (numpy 'linear' definition) from the counts. */
export function quantilesFromCounts(counts: Int32Array, min: number, probs: readonly number[]): number[] {
  const before = new Float64Array(counts.length + 1);
  for (let k = 0; k < counts.length; k++) before[k + 1] = before[k] + counts[k];
  const n = before[counts.length];
  // The value of 0-based rank r: the integer whose cumulative range holds r.
  const at = (r: number): number => {
    let a = 0;
    let b = counts.length - 1;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (before[mid + 1] <= r) a = mid + 1;
      else b = mid;
    }
    return min + a;
  };
  return probs.map((p) => {
    const r = p * (n - 1);
    const k = Math.floor(r);
    const x0 = at(k);
    return r === k ? x0 : x0 + (r - k) * (at(Math.min(k + 1, n - 1)) - x0);
  });
}
