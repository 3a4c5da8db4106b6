// Confidence intervals for window quality: Wilson for a proportion, normal for a mean, delta-free RMSE from the MSE's.

/** A two-sided interval around an estimate, and how it was computed. */
export interface Estimate {
  value: number;
  lower: number;
  upper: number;
  level: number;
  method: 'wilson' | 'normal' | 'bootstrap';
}

/** The standard normal quantile Φ⁻¹(p) (Acklam's rational approximation, relative error below 1.2e-9 after one refinement). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

/** Wilson score interval of `successes` out of `n` (good coverage even near 0 or 1 and for small n). */
export function wilsonInterval(successes: number, n: number, level = 0.95): Estimate {
  if (n <= 0) throw new RangeError('wilsonInterval: no trials');
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))) / (1 + z2n);
  return { value: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half), level, method: 'wilson' };
}

/** Mean and its normal (CLT) interval with the sample standard deviation; n ≥ 2. */
export function meanInterval(values: ArrayLike<number>, level = 0.95): Estimate {
  const n = values.length;
  if (n < 2) throw new RangeError('meanInterval: needs at least 2 values');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  const se = Math.sqrt(ss / (n - 1) / n);
  const z = normalQuantile(1 - (1 - level) / 2);
  return { value: mean, lower: mean - z * se, upper: mean + z * se, level, method: 'normal' };
}

/**
 * RMSE with an interval: the normal interval of the mean squared error, mapped through the square root (a monotone
 * map keeps coverage); the lower end is clamped at 0.
 */
export function rmseInterval(errors: ArrayLike<number>, level = 0.95): Estimate {
  const squared = Float64Array.from(errors as ArrayLike<number>, (e) => e * e);
  const mse = meanInterval(squared, level);
  return { value: Math.sqrt(mse.value), lower: Math.sqrt(Math.max(0, mse.lower)), upper: Math.sqrt(mse.upper), level, method: 'normal' };
}
