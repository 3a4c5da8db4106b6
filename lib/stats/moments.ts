// Column moments in plain passes over a Float64Array: missing and infinite counts, extremes, mean, squared deviations.
import { cellScale } from './quantiles.js';

// Each hot loop lives in a small function of its own, so V8 optimizes it whole (no deopt on code after a loop).

export interface ColumnScan {
  /** NaN values. */
  nulls: number;
  /** ±Infinity values. */
  infinite: number;
  /** Finite values; the statistics below are over them (min/max ±Infinity and mean NaN when there are none). */
  finite: number;
  min: number;
  max: number;
  mean: number;
}

const scratch = new Float64Array(5);

function scanKernel(values: Float64Array): void {
  let nulls = 0;
  let infinite = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) nulls++;
    else if (v - v !== 0) infinite++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
  }
  scratch[0] = nulls;
  scratch[1] = infinite;
  scratch[2] = min;
  scratch[3] = max;
  scratch[4] = sum;
}

/** Σ (v − shift) over the finite values (those within [min, max]). */
function shiftedSum(values: Float64Array, min: number, max: number, shift: number): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= min && v <= max) sum += v - shift;
  }
  return sum;
}

/** One pass; values far from zero relative to their spread (e.g. dates) get a second, shifted sum for precision. */
export function scanColumn(values: Float64Array): ColumnScan {
  scanKernel(values);
  const [nulls, infinite, min, max, sum] = scratch;
  const finite = values.length - nulls - infinite;
  let mean = finite > 0 ? sum / finite : NaN;
  if (finite > 0 && Math.abs(mean) * 1e-6 > max - min) mean = min + shiftedSum(values, min, max, min) / finite;
  return { nulls, infinite, finite, min, max, mean };
}

/** Σ (v − mean)² over the finite values (those within [min, max]). */
export function squaredDeviations(values: Float64Array, min: number, max: number, mean: number): number {
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= min && v <= max) ss += (v - mean) * (v - mean);
  }
  return ss;
}

/** One pass: counts per fine cell of [min, max] into `fine` (see cellScale); returns Σ (v − mean)². */
export function cellsAndSquares(values: Float64Array, min: number, max: number, mean: number, fine: Int32Array): number {
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

/** Mean and sample standard deviation (n − 1) of the finite values; null when there are too few. */
export function meanStd(values: Float64Array): { mean: number | null; std: number | null } {
  const s = scanColumn(values);
  if (s.finite === 0) return { mean: null, std: null };
  return { mean: s.mean, std: s.finite > 1 ? Math.sqrt(squaredDeviations(values, s.min, s.max, s.mean) / (s.finite - 1)) : null };
}
