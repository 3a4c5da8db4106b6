// KS statistic and Wasserstein-1 distance of two sorted samples in one merge walk (as scipy's ks_2samp and wasserstein_distance).

/**
 * One merge walk over two sorted, non-empty samples: the KS statistic sup |F − G| (evaluated after every run of
 * equal values, as scipy's ks_2samp) and the Wasserstein-1 distance ∫ |F − G| dx (scipy's wasserstein_distance:
 * the sum of |F − G| × the gap to the next value of the merged sample; ties add zero-width gaps).
 */
export function ksAndWasserstein(x: Float64Array, y: Float64Array): { ksStatistic: number; wasserstein: number } {
  const nx = x.length;
  const ny = y.length;
  let i = 0;
  let j = 0;
  let fx = 0; // i / nx
  let fy = 0; // j / ny
  let gap = 0; // |F − G| on [v, next value)
  let d = 0;
  let area = 0;
  let v = x[0] <= y[0] ? x[0] : y[0];
  // Each step: the gap since the last value spans up to the next one (zero wide inside a run of ties, which
  // also keeps KS from seeing a run half taken), then the next value is taken from the side that has it.
  while (i < nx && j < ny) {
    const a = x[i];
    const b = y[j];
    const next = a <= b ? a : b;
    area += gap * (next - v);
    if (next !== v && gap > d) d = gap;
    v = next;
    if (a <= b) fx = ++i / nx;
    else fy = ++j / ny;
    gap = Math.abs(fx - fy);
  }
  // One side is used up (its CDF is 1): the other's remaining values close the gap.
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
