// Arithmetic on a drift profile's cells: which cell a value is in, counts of sorted values, groups, KS and Wasserstein from counts.

/** The number of sorted edges strictly below v (binary search). */
export function edgesBelow(edges: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Cell of a finite value on strictly increasing edges: 2k for (e[k-1], e[k]), 2k+1 for {e[k]}. */
export function cellOf(edges: ArrayLike<number>, v: number): number {
  const lo = edgesBelow(edges, v);
  return lo < edges.length && edges[lo] === v ? 2 * lo + 1 : 2 * lo;
}

/**
 * First index in sorted[from..] whose value is ≥ v (strict: > v): galloping from `from`, then a binary search in
 * the bracket (successive edges land near each other, so the search stays in a few cache lines).
 */
function searchSorted(sorted: Float64Array, v: number, from: number, strict: boolean): number {
  const n = sorted.length;
  let lo = from;
  let hi = from;
  let step = 1;
  while (hi < n && (sorted[hi] < v || (strict && sorted[hi] === v))) {
    lo = hi + 1;
    hi = from + step;
    step *= 2;
  }
  if (hi > n) hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v || (strict && sorted[mid] === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Counts per cell of sorted finite values, and the sums of the values below e[0] and above e[m-1]: two binary
 * searches per edge (cost independent of the column's length but for the tails).
 */
export function cellCountsOfSorted(sorted: Float64Array, edges: readonly number[]): { counts: Float64Array; belowSum: number; aboveSum: number } {
  const m = edges.length;
  const counts = new Float64Array(2 * m + 1);
  let done = 0; // values ≤ e[k-1]
  let first = 0;
  for (let k = 0; k < m; k++) {
    const start = searchSorted(sorted, edges[k], done, false);
    const end = searchSorted(sorted, edges[k], start, true);
    counts[2 * k] = start - done;
    counts[2 * k + 1] = end - start;
    if (k === 0) first = start;
    done = end;
  }
  counts[2 * m] = sorted.length - done;
  let belowSum = 0;
  for (let i = 0; i < first; i++) belowSum += sorted[i];
  let aboveSum = 0;
  for (let i = done; i < sorted.length; i++) aboveSum += sorted[i];
  return { counts, belowSum, aboveSum };
}

/** Start cells of `groups` contiguous groups of about equal reference mass (tail cells join the end groups). */
export function coarseGroups(counts: ArrayLike<number>, groups: number): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const starts = [0];
  let cumulative = 0;
  for (let i = 0; i < counts.length - 1; i++) {
    cumulative += counts[i];
    if (cumulative >= (starts.length * total) / groups && starts.length < groups) starts.push(i + 1);
  }
  return starts;
}

/** Counts summed over groups given by their start cells. */
export function groupCounts(counts: ArrayLike<number>, starts: readonly number[]): number[] {
  const out = new Array<number>(starts.length).fill(0);
  let g = 0;
  for (let i = 0; i < counts.length; i++) {
    while (g + 1 < starts.length && i >= starts[g + 1]) g++;
    out[g] += counts[i];
  }
  return out;
}

/**
 * KS statistic of two samples given as counts on the same cells. Exact when, in every open cell, one side has
 * no values; otherwise the exact D lies in [statistic, statistic + errorBound] (errorBound = the largest
 * min(reference share, current share) of an open cell).
 */
export function ksFromCells(ref: ArrayLike<number>, cur: ArrayLike<number>): { statistic: number; errorBound: number } {
  let nr = 0;
  let nc = 0;
  for (let i = 0; i < ref.length; i++) {
    nr += ref[i];
    nc += cur[i];
  }
  let r = 0;
  let c = 0;
  let d = 0;
  let errorBound = 0;
  for (let i = 0; i < ref.length; i++) {
    r += ref[i];
    c += cur[i];
    d = Math.max(d, Math.abs(r / nr - c / nc));
    if (i % 2 === 0) errorBound = Math.max(errorBound, Math.min(ref[i] / nr, cur[i] / nc));
  }
  return { statistic: d, errorBound };
}

/** ∫₀¹ |d + s·t| dt: the area under |F − G| across a cell where both CDFs rise linearly. */
function absLinearMean(d: number, s: number): number {
  const end = d + s;
  if (d * end >= 0) return Math.abs(d + s / 2);
  return (d * d + end * end) / (2 * Math.abs(s));
}

/**
 * Wasserstein-1 distance ∫|F − G| dx from counts on cells, values spread evenly inside each open cell; the
 * tails beyond the edges (where the reference has no values) are exact from the sums of the values there.
 */
export function wassersteinFromCells(
  edges: readonly number[],
  ref: ArrayLike<number>,
  cur: ArrayLike<number>,
  tails: { belowSum: number; aboveSum: number },
): number {
  const m = edges.length;
  let nr = 0;
  let nc = 0;
  for (let i = 0; i < ref.length; i++) {
    nr += ref[i];
    nc += cur[i];
  }
  // Below e[0] and above e[m-1] the reference has no mass: ∫ G and ∫ (1 − G) from the current sums.
  let area = (cur[0] * edges[0] - tails.belowSum) / nc + (tails.aboveSum - cur[2 * m] * edges[m - 1]) / nc;
  let F = ref[0] / nr;
  let G = cur[0] / nc;
  for (let k = 0; k < m; k++) {
    F += ref[2 * k + 1] / nr;
    G += cur[2 * k + 1] / nc;
    if (k + 1 === m) break;
    const width = edges[k + 1] - edges[k];
    const dr = ref[2 * k + 2] / nr;
    const dc = cur[2 * k + 2] / nc;
    area += width * absLinearMean(F - G, dr - dc);
    F += dr;
    G += dc;
  }
  return Math.max(0, area);
}
