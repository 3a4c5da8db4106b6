// Population Stability Index: numeric (bins from reference quantiles) and categorical, with epsilon smoothing.
import { edgesBelow } from './driftCells.js';

/** Proportion used in place of an empty bin's zero. */
export const PSI_EPSILON = 1e-4;

/** Σ (c − r) · ln(c / r) over bin proportions; empty bins count as `epsilon`. NaN when a side has no values. */
export function psiFromCounts(reference: ArrayLike<number>, current: ArrayLike<number>, epsilon = PSI_EPSILON): number {
  let refTotal = 0;
  let curTotal = 0;
  for (let i = 0; i < reference.length; i++) refTotal += reference[i];
  for (let i = 0; i < current.length; i++) curTotal += current[i];
  if (refTotal === 0 || curTotal === 0) return NaN;
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] / refTotal || epsilon;
    const c = current[i] / curTotal || epsilon;
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/**
 * Interior bin edges at the reference's k/bins quantiles (linear interpolation, like numpy's default),
 * with repeated edges dropped, so heavily tied data gets fewer bins. Input must be sorted, NaN-free.
 */
export function quantileEdges(sorted: Float64Array, bins: number): number[] {
  const edges: number[] = [];
  const n = sorted.length;
  if (n === 0) return edges;
  for (let k = 1; k < bins; k++) {
    const pos = (k / bins) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, n - 1);
    const edge = sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}


/** PSI of a numeric feature; NaN values are ignored. */
export function psiNumeric(reference: Float64Array, current: Float64Array, bins = 10): number {
  const sorted = reference.filter((v) => !Number.isNaN(v)).sort();
  const edges = quantileEdges(sorted, bins);
  const refCounts = new Float64Array(edges.length + 1);
  const curCounts = new Float64Array(edges.length + 1);
  for (let i = 0; i < sorted.length; i++) refCounts[edgesBelow(edges, sorted[i])]++;
  for (let i = 0; i < current.length; i++) {
    if (!Number.isNaN(current[i])) curCounts[edgesBelow(edges, current[i])]++;
  }
  return psiFromCounts(refCounts, curCounts);
}

/** PSI of a categorical feature over the union of both sides' categories; nulls are ignored. */
export function psiCategorical(reference: readonly (string | null)[], current: readonly (string | null)[]): number {
  const index = new Map<string, number>();
  const refCounts: number[] = [];
  const curCounts: number[] = [];
  const count = (values: readonly (string | null)[], own: number[], other: number[]) => {
    for (const v of values) {
      if (v === null) continue;
      let k = index.get(v);
      if (k === undefined) {
        k = own.length;
        index.set(v, k);
        own.push(0);
        other.push(0);
      }
      own[k]++;
    }
  };
  count(reference, refCounts, curCounts);
  count(current, curCounts, refCounts);
  return psiFromCounts(refCounts, curCounts);
}
