// Two-sample Kolmogorov–Smirnov test; p-value from the Kolmogorov distribution of D at the effective n.
import { DataError } from '../data/errors.js';

export interface KsResult {
  statistic: number;
  pValue: number;
}

/**
 * Two-sided two-sample KS test, ignoring NaN. Like scipy.stats.ks_2samp(method='asymp'):
 * p = P(D_n > d) for the one-sample Kolmogorov statistic with n = round(n1·n2 / (n1 + n2)).
 */
export function ksTwoSample(a: Float64Array, b: Float64Array): KsResult {
  const x = sortedPresent(a);
  const y = sortedPresent(b);
  if (x.length === 0 || y.length === 0) {
    throw new DataError(
      `KS test needs values in both samples (got ${x.length} and ${y.length} non-missing values)`,
      { counts: [x.length, y.length] },
    );
  }
  const statistic = ksStatistic(x, y);
  const en = (x.length * y.length) / (x.length + y.length);
  const pValue = Math.min(1, Math.max(0, kolmogorovSf(Math.max(1, roundHalfEven(en)), statistic)));
  return { statistic, pValue };
}

function sortedPresent(values: Float64Array): Float64Array {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) count++;
  const out = new Float64Array(count);
  for (let i = 0, j = 0; i < values.length; i++) if (!Number.isNaN(values[i])) out[j++] = values[i];
  return out.sort();
}

/** sup |F_x − F_y| over sorted samples, one merge pass (ties advance both sides together). */
export function ksStatistic(x: Float64Array, y: Float64Array): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** Round half to even (numpy's rounding of the effective sample size). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** P(D_n > d) for the two-sided one-sample Kolmogorov statistic D_n. */
export function kolmogorovSf(n: number, d: number): number {
  if (Number.isNaN(d)) return NaN;
  if (d <= 0) return 1;
  if (d >= 1) return 0;
  const t = n * d;
  if (t <= 0.5) return 1;
  if (t <= 1) {
    // Ruben–Gambino: P(D_n < d) = n!/n^n (2t − 1)^n for 1/2n < d ≤ 1/n
    let logCdf = n * Math.log(2 * t - 1);
    for (let i = 1; i <= n; i++) logCdf += Math.log(i / n);
    return 1 - Math.exp(logCdf);
  }
  if (t >= n - 1) return 2 * Math.pow(1 - d, n);
  const nd2 = t * d;
  if (nd2 >= 370) return 0;
  // In the upper tail two-sided ≈ 2 × one-sided; the neglected term is below 1e-7 once n·d² ≥ 2.2.
  if (d >= 0.5 || nd2 >= 2.2) return Math.min(1, 2 * smirnovSf(n, d));
  if (n <= 140) return 1 - durbinCdf(n, d);
  return 1 - pelzGoodCdf(n, d);
}

/** Exact one-sided P(D_n^+ ≥ d) by the Birnbaum–Tingey sum (all terms positive; logs avoid overflow). */
export function smirnovSf(n: number, d: number): number {
  const last = Math.floor(n * (1 - d));
  let logChoose = 0; // log C(n, j)
  let sum = 0;
  for (let j = 0; j <= last; j++) {
    if (j > 0) logChoose += Math.log((n - j + 1) / j);
    const tail = 1 - d - j / n;
    if (tail <= 0) break;
    sum += Math.exp(logChoose + (n - j) * Math.log(tail) + (j - 1) * Math.log(d + j / n));
  }
  return d * sum;
}

/** Exact P(D_n < d) by Durbin's matrix method (Marsaglia, Tsang & Wang 2003), with exponent tracking. */
function durbinCdf(n: number, d: number): number {
  const k = Math.floor(n * d) + 1;
  const m = 2 * k - 1;
  const h = k - n * d;
  const H = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) H[i * m + j] = i - j + 1 >= 0 ? 1 : 0;
  for (let i = 0; i < m; i++) {
    H[i * m] -= Math.pow(h, i + 1);
    H[(m - 1) * m + i] -= Math.pow(h, m - i);
  }
  if (2 * h - 1 > 0) H[(m - 1) * m] += Math.pow(2 * h - 1, m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const g = i - j + 1;
      if (g > 0) {
        let fact = 1;
        for (let f = 2; f <= g; f++) fact *= f;
        H[i * m + j] /= fact;
      }
    }
  }
  const { matrix, exp10 } = matrixPower(H, m, n);
  let s = matrix[(k - 1) * m + (k - 1)];
  let e = exp10;
  for (let i = 1; i <= n; i++) {
    s *= i / n;
    if (s < 1e-140) {
      s *= 1e140;
      e -= 140;
    }
  }
  return s * Math.pow(10, e);
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l];
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += ail * b[l * m + j];
    }
  }
  return out;
}

/** A^n as matrix × 10^exp10, rescaling whenever the centre entry grows past 1e140. */
function matrixPower(a: Float64Array, m: number, n: number): { matrix: Float64Array; exp10: number } {
  if (n === 1) return { matrix: a, exp10: 0 };
  const half = matrixPower(a, m, Math.floor(n / 2));
  let matrix = multiply(half.matrix, half.matrix, m);
  let exp10 = 2 * half.exp10;
  if (n % 2 === 1) matrix = multiply(a, matrix, m);
  const centre = Math.floor(m / 2);
  if (matrix[centre * m + centre] > 1e140) {
    for (let i = 0; i < matrix.length; i++) matrix[i] *= 1e-140;
    exp10 += 140;
  }
  return { matrix, exp10 };
}

/** Pelz–Good asymptotic series for P(D_n ≤ d), terms to n^(-3/2) (as given by Simard & L'Ecuyer 2011). */
function pelzGoodCdf(n: number, d: number): number {
  const z = d * Math.sqrt(n);
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const pi2 = Math.PI * Math.PI;
  // K1–K3 sum over all integers k; the terms are symmetric in k, so the k ≥ 0 (k ≥ 1) sums count twice.
  const root = 2 * Math.sqrt(Math.PI / 2);
  let k0 = 0;
  let k1 = 0;
  let k2a = 0;
  let k3a = 0;
  let k2b = 0;
  let k3b = 0;
  for (let k = 0; k < 200; k++) {
    const hk = k + 0.5;
    const u = pi2 * hk * hk; // π²(k+½)²
    const w = Math.exp(-u / (2 * z2));
    k0 += w;
    k1 += (u - z2) * w;
    k2a += (6 * z6 + 2 * z4 + (2 * z4 - 5 * z2) * u + (1 - 2 * z2) * u * u) * w;
    k3a += (u * u * u * (5 - 30 * z2) + u * u * (-60 * z2 + 212 * z4) + u * (135 * z4 - 96 * z6) - 30 * z6 - 90 * z6 * z2) * w;
    const v = pi2 * (k + 1) * (k + 1); // π²k² for k ≥ 1
    const wv = Math.exp(-v / (2 * z2));
    k2b += v * wv;
    k3b += (-v * v + 3 * v * z2) * wv;
    if (w < 1e-18 && wv < 1e-18) break;
  }
  const term0 = (Math.sqrt(2 * Math.PI) / z) * k0;
  const term1 = (root / (6 * z4)) * k1;
  const term2 = (root / (72 * z6 * z)) * k2a - (root / (36 * z2 * z)) * k2b;
  const term3 = (root / (6480 * z6 * z4)) * k3a + (root / (216 * z6)) * k3b;
  return term0 + term1 / Math.sqrt(n) + term2 / n + term3 / (n * Math.sqrt(n));
}
