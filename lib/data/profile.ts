// Dataset profile: per-column statistics (counts, moments, quantiles, histogram, distinct, top categories) as JSON.
import type { CategoricalColumn, Column, Table } from './table.js';
import { exactDistinct } from '../stats/distinct.js';
import { HyperLogLog } from '../stats/hll.js';
import { cellsFromCounts, countIntegers, distinctFromCounts, quantilesFromCounts, squaresFromCounts } from '../stats/integers.js';
import { encoded, type EncodingCache } from '../stats/dictionary.js';
import { FINE_PER_BIN, FINE_SHIFT, quantilesFromCells } from '../stats/quantiles.js';
import { cellsSquaresSketch, scanNumbers, scanned, shiftedSum } from './profileKernels.js';

export interface Quantiles {
  p01: number;
  p05: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  p99: number;
}

/** Equal-width histogram: edges.length = counts.length + 1; a constant column has edges [v, v] and one count. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** Numeric and date columns (dates in epoch ms). Statistics are over finite values; null when there are none. */
export interface NumericStats {
  name: string;
  kind: 'numeric' | 'date';
  /** Non-missing values (finite and infinite); count + nulls = rows. */
  count: number;
  nulls: number;
  /** ±Infinity values: counted in `count`, left out of every statistic below. */
  infinite: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sample standard deviation (n − 1); null below two values. */
  std: number | null;
  quantiles: Quantiles | null;
  histogram: Histogram | null;
  distinct: number;
  /** True when `distinct` is a HyperLogLog estimate (more distinct values than the exact limit). */
  distinctEstimated: boolean;
}

export interface CategoryCount {
  value: string;
  count: number;
}

export interface CategoricalStats {
  name: string;
  kind: 'categorical';
  count: number;
  nulls: number;
  /** Exact. */
  distinct: number;
  distinctEstimated: false;
  /** The most frequent categories, by count (ties by value). */
  top: CategoryCount[];
  /** Every category with its count (same order), when there are at most maxDomain of them; else null. */
  domain: CategoryCount[] | null;
}

export type ColumnStats = NumericStats | CategoricalStats;

/** Plain JSON: no NaN or Infinity anywhere (absent statistics are null). */
export interface DatasetProfile {
  version: 1;
  rows: number;
  columns: ColumnStats[];
}

export interface ProfileOptions {
  /** Histogram bins (default 32, at most 256). */
  bins?: number;
  /** Top categories kept (default 20). */
  topK?: number;
  /** Largest categorical domain kept in full (default 1,000). */
  maxDomain?: number;
  /** Distinct numeric values counted exactly up to this many, then estimated (default 16,384). */
  exactDistinctLimit?: number;
  /** Shared categorical encodings (see EncodingCache). */
  cache?: EncodingCache;
}

export const QUANTILE_PROBS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;

/** Profiles every column: two passes over each numeric column (three below the exact-distinct limit), one encoding pass over each categorical one. */
export function profileTable(table: Table, options: ProfileOptions = {}): DatasetProfile {
  return { version: 1, rows: table.rows, columns: table.columns.map((c) => profileOf(c, options)) };
}

export function profileOf(c: Column, options: ProfileOptions = {}): ColumnStats {
  return c.kind === 'categorical' ? categoricalStats(c, options) : numericStats(c.name, c.kind, c.values, options);
}

function numericStats(name: string, kind: 'numeric' | 'date', values: Float64Array, options: ProfileOptions): NumericStats {
  const bins = Math.min(256, Math.max(1, Math.floor(options.bins ?? 32)));
  scanNumbers(values);
  const [nulls, infinite, min, max, sum] = scanned;
  const finite = values.length - nulls - infinite;
  let mean = finite > 0 ? sum / finite : NaN;
  if (finite > 0 && Math.abs(mean) * 1e-6 > max - min) mean = min + shiftedSum(values, min, max, min) / finite;
  // Integers of a small range are counted: exact distinct, quantiles and histogram in one pass.
  const integers = finite > 0 && infinite === 0 ? countIntegers(values, min, max) : null;
  // Otherwise exactly up to the limit; past it, a HyperLogLog filled in the pass that counts the cells.
  const exact = integers ? distinctFromCounts(integers) : exactDistinct(values, finite > 0 ? min : NaN, finite > 0 ? max : NaN, options.exactDistinctLimit);
  const hll = exact < 0 ? new HyperLogLog(14) : null;
  const distinct = { count: exact, estimated: hll !== null };
  const stats: NumericStats = {
    name, kind, count: values.length - nulls, nulls, infinite,
    min: null, max: null, mean: null, std: null, quantiles: null, histogram: null,
    distinct: distinct.count, distinctEstimated: distinct.estimated,
  };
  if (finite === 0) return stats;
  const fine = new Int32Array(bins * FINE_PER_BIN);
  let ss: number;
  let q: number[];
  if (integers) {
    cellsFromCounts(integers, min, max, fine);
    ss = squaresFromCounts(integers, min, mean);
    q = quantilesFromCounts(integers, min, QUANTILE_PROBS);
  } else {
    ss = cellsSquaresSketch(values, min, max, mean, fine, hll && hll.registers);
    if (hll) stats.distinct = hll.estimate();
    q = quantilesFromCells(values, fine, min, max, QUANTILE_PROBS);
  }
  stats.min = min;
  stats.max = max;
  stats.mean = mean;
  stats.std = finite > 1 ? Math.sqrt(ss / (finite - 1)) : null;
  stats.quantiles = { p01: q[0], p05: q[1], p25: q[2], p50: q[3], p75: q[4], p95: q[5], p99: q[6] };
  stats.histogram = histogramFromCells(fine, min, max, bins);
  return stats;
}

function histogramFromCells(fine: Int32Array, min: number, max: number, bins: number): Histogram {
  if (max === min) return { edges: [min, max], counts: [fine[0]] };
  const counts = new Array<number>(bins).fill(0);
  for (let c = 0; c < fine.length; c++) counts[c >> FINE_SHIFT] += fine[c];
  const width = (max - min) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, k) => (k === bins ? max : min + k * width));
  return { edges, counts };
}

function categoricalStats(c: CategoricalColumn, options: ProfileOptions): CategoricalStats {
  const topK = options.topK ?? 20;
  const maxDomain = options.maxDomain ?? 1000;
  const e = encoded(c.values, options.cache);
  const order = rankCategories(e.dictionary, e.counts);
  const entry = (k: number): CategoryCount => ({ value: e.dictionary[k], count: e.counts[k] });
  return {
    name: c.name,
    kind: 'categorical',
    count: c.values.length - e.nulls,
    nulls: e.nulls,
    distinct: e.dictionary.length,
    distinctEstimated: false,
    top: order.slice(0, topK).map(entry),
    domain: order.length <= maxDomain ? order.map(entry) : null,
  };
}

/** Dictionary indices by count (descending), ties by value. */
export function rankCategories(dictionary: readonly string[], counts: ArrayLike<number>): number[] {
  const order = Array.from({ length: dictionary.length }, (_, k) => k);
  return order.sort((a, b) => counts[b] - counts[a] || (dictionary[a] < dictionary[b] ? -1 : dictionary[a] > dictionary[b] ? 1 : 0));
}

/** The stats of a named column, if profiled. */
export function columnStats(profile: DatasetProfile, name: string): ColumnStats | undefined {
  return profile.columns.find((c) => c.name === name);
}
