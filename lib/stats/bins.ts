// Counts on a profile histogram's bins: of a column (same arithmetic as the profile), or of another histogram.
import { FINE_PER_BIN, FINE_SHIFT, cellScale } from './quantiles.js';

export interface BinnedHistogram {
  edges: readonly number[];
  counts: readonly number[];
}

/**
 * Counts of a column's finite values on the bins of `edges` (equal width, as a profile's histogram):
 * out[0] below edges[0], out[1..B] the bins, out[B+1] above the last edge. A value lands in the bin the
 * profile would put it in (same fine-cell arithmetic), so a column counted on its own profile's edges
 * reproduces the profile's counts exactly.
 */
export function countOnEdges(values: Float64Array, edges: readonly number[]): Float64Array {
  const bins = edges.length - 1;
  const counts = new Int32Array(bins + 2);
  countKernel(values, edges[0], edges[bins], bins * FINE_PER_BIN, FINE_SHIFT, counts);
  return Float64Array.from(counts);
}

function countKernel(values: Float64Array, lo: number, hi: number, cells: number, shift: number, out: Int32Array): void {
  const scale = cellScale(lo, hi, cells);
  const last = cells - 1;
  const above = out.length - 1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= lo && v <= hi) {
      let c = ((v - lo) * scale) | 0;
      if (c > last) c = last;
      out[1 + (c >> shift)]++;
    } else if (v < lo) {
      if (v !== -Infinity) out[0]++;
    } else if (v > hi && v !== Infinity) out[above]++;
  }
}

/**
 * Another histogram's counts moved onto `edges` (layout as countOnEdges), each source bin spread in
 * proportion to its overlap with the target bins: exact when both have the same edges, else an approximation.
 */
export function rebinCounts(source: BinnedHistogram, edges: readonly number[]): Float64Array {
  const bins = edges.length - 1;
  const out = new Float64Array(bins + 2);
  const lo = edges[0];
  const hi = edges[bins];
  const width = (hi - lo) / bins;
  const place = (x: number): number => (x < lo ? 0 : x > hi ? bins + 1 : 1 + Math.min(bins - 1, width > 0 ? Math.floor((x - lo) / width) : 0));
  const same = source.edges.length === edges.length && source.edges.every((e, k) => e === edges[k]);
  for (let j = 0; j < source.counts.length; j++) {
    const c = source.counts[j];
    if (c === 0) continue;
    if (same) {
      out[1 + j] += c;
      continue;
    }
    const a = source.edges[j];
    const b = source.edges[j + 1];
    if (!(b > a)) {
      out[place(a)] += c;
      continue;
    }
    const share = (x: number, y: number): number => Math.max(0, Math.min(b, y) - Math.max(a, x)) / (b - a);
    out[0] += c * share(-Infinity, lo);
    out[bins + 1] += c * share(hi, Infinity);
    // A one-point reference bin (constant reference) has no width: spread mass lands below or above it.
    if (width > 0) for (let k = 0; k < bins; k++) out[1 + k] += c * share(lo + k * width, k === bins - 1 ? hi : lo + (k + 1) * width);
  }
  return out;
}
