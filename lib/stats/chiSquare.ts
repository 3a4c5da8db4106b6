// Chi-square: the survival function (regularized upper incomplete gamma) and the test of homogeneity of two count vectors.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a): series below a + 1, Lentz's continued fraction above. */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const logPrefix = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/** P(X > x) for X ~ χ²(df). */
export function chiSquareSf(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

export interface ChiSquareResult {
  statistic: number;
  df: number;
  pValue: number;
}

/**
 * Pearson's chi-square test that two count vectors come from one distribution (a 2 × K contingency table,
 * no continuity correction: scipy.stats.chi2_contingency(..., correction=False)); cells empty on both sides
 * are dropped. With two cells it equals the two-proportion z-test (χ² = z²).
 */
export function chiSquareHomogeneity(ref: ArrayLike<number>, cur: ArrayLike<number>): ChiSquareResult {
  let nr = 0;
  let nc = 0;
  let k = 0;
  for (let i = 0; i < ref.length; i++) {
    nr += ref[i];
    nc += cur[i];
    if (ref[i] + cur[i] > 0) k++;
  }
  const n = nr + nc;
  if (nr === 0 || nc === 0 || k < 2) return { statistic: 0, df: Math.max(0, k - 1), pValue: 1 };
  let statistic = 0;
  for (let i = 0; i < ref.length; i++) {
    const total = ref[i] + cur[i];
    if (total === 0) continue;
    const er = (total * nr) / n;
    const ec = (total * nc) / n;
    statistic += (ref[i] - er) ** 2 / er + (cur[i] - ec) ** 2 / ec;
  }
  return { statistic, df: k - 1, pValue: chiSquareSf(statistic, k - 1) };
}
