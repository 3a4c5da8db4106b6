// Side-by-side histograms of a reference and a current sample on shared bins (for reports).
import type { Column } from '../data/table.js';

export interface HistogramPair {
  feature: string;
  /** Bin labels: numeric ranges, or category names. */
  bins: string[];
  /** Share of each side's non-missing values per bin (sums to 1 unless a side is empty). */
  reference: number[];
  current: number[];
}

function shares(counts: number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (total ? c / total : 0));
}

function numericPair(feature: string, ref: Float64Array, cur: Float64Array, bins: number): HistogramPair {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of [ref, cur]) {
    for (const v of values) {
      if (Number.isNaN(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) return { feature, bins: [], reference: [], current: [] };
  const width = hi > lo ? (hi - lo) / bins : 1;
  const count = (values: Float64Array): number[] => {
    const out = new Array<number>(bins).fill(0);
    for (const v of values) if (!Number.isNaN(v)) out[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
    return out;
  };
  const labels = Array.from({ length: bins }, (_, k) => `${(lo + k * width).toPrecision(3)} to ${(lo + (k + 1) * width).toPrecision(3)}`);
  return { feature, bins: labels, reference: shares(count(ref)), current: shares(count(cur)) };
}

function categoricalPair(feature: string, ref: (string | null)[], cur: (string | null)[]): HistogramPair {
  const names = [...new Set([...ref, ...cur].filter((v): v is string => v !== null))].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const count = (values: (string | null)[]): number[] => {
    const out = new Array<number>(names.length).fill(0);
    for (const v of values) if (v !== null) out[index.get(v) as number]++;
    return out;
  };
  return { feature, bins: names, reference: shares(count(ref)), current: shares(count(cur)) };
}

/** Histograms on bins shared by both sides: equal-width over the joint range, or the union of categories. */
export function histogramPair(feature: string, reference: Column, current: Column, bins = 20): HistogramPair {
  if (reference.kind === 'categorical' && current.kind === 'categorical') return categoricalPair(feature, reference.values, current.values);
  if (reference.kind !== 'categorical' && current.kind !== 'categorical') return numericPair(feature, reference.values, current.values, bins);
  return { feature, bins: [], reference: [], current: [] };
}
