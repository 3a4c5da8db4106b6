// Seeded percentile-bootstrap confidence intervals for any metric scored on a holdout.

import { mulberry32 } from './cv.js';

export interface BootstrapOptions {
  /** Resamples drawn. Default 1000. */
  iterations?: number;
  /** Two-sided coverage of the interval, in (0, 1). Default 0.95. */
  level?: number;
  /** PRNG seed: the same seed and data give the same interval. Default 0. */
  seed?: number;
}

export interface BootstrapInterval {
  /** The metric on the data as given (not the mean of the resamples). */
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  /** Resamples whose metric was defined (a resample can lack a class, e.g. for ROC AUC: those are skipped). */
  iterations: number;
}

/**
 * The metric on `n = yTrue.length` rows, and the percentile interval of the metric over `iterations`
 * resamples of n rows drawn with replacement. `scores` holds `w = scores.length / n` values per row
 * (w = 1 for a score or a regression prediction, w = classes for a row-major probability matrix) and is
 * resampled row by row with yTrue. `metricFn` receives reused buffers: it must not keep them.
 * Quantiles interpolate linearly between order statistics (numpy's default).
 */
export function bootstrapCI<Y extends Int32Array | Float64Array>(
  yTrue: Y,
  scores: Float64Array,
  metricFn: (yTrue: Y, scores: Float64Array) => number,
  options: BootstrapOptions = {},
): BootstrapInterval {
  const iterations = options.iterations ?? 1000;
  const level = options.level ?? 0.95;
  const n = yTrue.length;
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`bootstrapCI: iterations must be a positive integer, got ${iterations}`);
  if (!(level > 0 && level < 1)) throw new Error(`bootstrapCI: level must be in (0, 1), got ${level}`);
  if (n === 0) throw new Error('bootstrapCI: no rows to resample');
  const width = scores.length / n;
  if (!Number.isInteger(width) || width < 1) {
    throw new Error(`bootstrapCI: ${scores.length} scores do not split into ${n} rows`);
  }
  const estimate = metricFn(yTrue, scores);
  const rand = mulberry32(options.seed ?? 0);
  const yBuf = (yTrue instanceof Int32Array ? new Int32Array(n) : new Float64Array(n)) as Y;
  const sBuf = new Float64Array(n * width);
  const values = new Float64Array(iterations);
  let valid = 0;
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < n; i++) {
      const r = Math.floor(rand() * n);
      yBuf[i] = yTrue[r];
      if (width === 1) sBuf[i] = scores[r];
      else sBuf.set(scores.subarray(r * width, r * width + width), i * width);
    }
    const v = metricFn(yBuf, sBuf);
    if (!Number.isNaN(v)) values[valid++] = v;
  }
  const sorted = values.subarray(0, valid).sort();
  const tail = (1 - level) / 2;
  return { estimate, lower: quantile(sorted, tail), upper: quantile(sorted, 1 - tail), level, iterations: valid };
}

/** Linear-interpolation quantile of sorted values (NaN when there are none). */
function quantile(sorted: Float64Array, q: number): number {
  const m = sorted.length;
  if (m === 0) return NaN;
  const pos = q * (m - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, m - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}
