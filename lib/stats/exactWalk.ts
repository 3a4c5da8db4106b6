// KS statistic and Wasserstein-1 distance of two sorted samples in one merge walk (as scipy's ks_2samp and wasserstein_distance), value by value or run by run.

/**
 * One merge walk over two sorted, non-empty samples: the KS statistic sup |F − G| (evaluated after every run of
 * equal values, as scipy's ks_2samp) and the Wasserstein-1 distance ∫ |F − G| dx (scipy's wasserstein_distance:
 * the sum of |F − G| × the gap to the next value of the merged sample; ties add zero-width gaps).
 */
export function ksAndWasserstein(x: Float64Array, y: Float64Array): { ksStatistic: number; wasserstein: number } {
  if (tieShare(x) + tieShare(y) > 2 * TIED) return ksAndWassersteinByRuns(x, y);
  const nx = x.length;
  const ny = y.length;
  let i = 0;
  let j = 0;
  let gap = 0; // |F − G| on [v, next value)
  let d = 0;
  let area = 0;
  let v = x[0] <= y[0] ? x[0] : y[0];
  // Each step: the gap since the last value spans up to the next one (zero wide inside a run of ties, which
  // also keeps KS from seeing a run half taken), then the next value is taken from the side that has it.
  // Without branches on which side (in a continuous column that is a coin toss the CPU would mispredict):
  // t is 1 when x gives the next value; t·a + (1 − t)·b is exactly a or b (finite values; a zero's sign
  // changes no gap); i / nx and j / ny are the same divisions as before (F and G), so every bit is as before.
  while (i < nx && j < ny) {
    const a = x[i];
    const b = y[j];
    const t = +(a <= b);
    const next = t * a + (1 - t) * b;
    area += gap * (next - v);
    const seen = gap * +(next !== v);
    d = seen > d ? seen : d;
    v = next;
    i += t;
    j += 1 - t;
    gap = Math.abs(i / nx - j / ny);
  }
  // One side is used up (its CDF is 1): the other's remaining values close the gap. (F and G as doubles carried
  // through the loop above would be boxed on every step; here they are fixed.)
  const fx = i / nx;
  const fy = j / ny;
  while (i < nx) {
    const next = x[i];
    area += gap * (next - v);
    if (next !== v && gap > d) d = gap;
    v = next;
    gap = Math.abs(++i / nx - fy);
  }
  while (j < ny) {
    const next = y[j];
    area += gap * (next - v);
    if (next !== v && gap > d) d = gap;
    v = next;
    gap = Math.abs(fx - ++j / ny);
  }
  return { ksStatistic: d, wasserstein: area };
}

/** Above this share of values equal to their successor, walking run by run is faster than value by value. */
const TIED = 0.3;
const PROBES = 1024;

/** The share of sampled positions whose value equals the next one (a sorted sample's ties). */
function tieShare(sorted: Float64Array): number {
  const n = sorted.length;
  if (n < 2 * PROBES) return 0;
  let ties = 0;
  const stride = Math.floor((n - 1) / PROBES);
  for (let k = 0, i = 0; k < PROBES; k++, i += stride) if (sorted[i] === sorted[i + 1]) ties++;
  return ties / PROBES;
}

/** The end of the run of values equal to sorted[from] (its first index past them), galloping then bisecting. */
function runEnd(sorted: Float64Array, from: number): number {
  const v = sorted[from];
  const n = sorted.length;
  let lo = from + 1;
  let hi = lo;
  let step = 1;
  while (hi < n && sorted[hi] === v) {
    lo = hi + 1;
    hi = from + 1 + step;
    step *= 2;
  }
  if (hi > n) hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] === v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * As ksAndWasserstein, a run of equal values at a time (each run's end found by galloping): for columns with
 * few distinct values, the walk costs per distinct value rather than per value.
 */
export function ksAndWassersteinByRuns(x: Float64Array, y: Float64Array): { ksStatistic: number; wasserstein: number } {
  const nx = x.length;
  const ny = y.length;
  let i = 0;
  let j = 0;
  let d = 0;
  let area = 0;
  let gap = 0;
  let v = x[0] <= y[0] ? x[0] : y[0];
  while (i < nx || j < ny) {
    const a = i < nx ? x[i] : Infinity;
    const b = j < ny ? y[j] : Infinity;
    const next = a <= b ? a : b;
    area += gap * (next - v);
    v = next;
    if (a === next) i = runEnd(x, i);
    if (b === next) j = runEnd(y, j);
    gap = Math.abs(i / nx - j / ny);
    if (gap > d) d = gap;
  }
  return { ksStatistic: d, wasserstein: area };
}
