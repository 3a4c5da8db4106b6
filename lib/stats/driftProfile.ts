// The reference's side of drift, built once: fine quantile cells per numeric column, capped category counts per categorical.
import { createHash } from 'node:crypto';
import type { Column, Table } from '../data/table.js';
import { DataError } from '../data/errors.js';
import { sortedFinite, sortFiniteInto, type SortScratch } from './radixSort.js';
import { sortedQuantile } from './quantiles.js';
import { cellCountsOfSorted, coarseGroups } from './driftCells.js';

/** Quantile bins (and as many equal-width ones) per numeric column; a reference with at most BINS + 1 distinct values keeps every value as an edge. */
export const DRIFT_BINS = 1000;
/** Categories kept per categorical column; rarer ones share the "other" count. */
export const DRIFT_MAX_CATEGORIES = 100;
/** Bins of PSI, chi-square and Jensen–Shannon on a continuous column: reference deciles. */
export const COARSE_BINS = 10;

/**
 * A numeric column. Cells alternate open intervals and points of the strictly increasing `edges`
 * e[0..m-1]: cell 2k = (e[k-1], e[k]) (e[-1] = −∞), cell 2k+1 = {e[k]}, cell 2m = (e[m-1], +∞).
 * e[0] is the reference minimum, e[m-1] its maximum; ties at reference quantiles sit in point cells exactly.
 */
export interface NumericDriftColumn {
  name: string;
  kind: 'numeric';
  role: 'feature' | 'extra';
  edges: number[];
  /** Reference count per cell (2 · edges.length + 1 cells). */
  counts: number[];
  /** Every distinct reference value is an edge: KS from cells is exact. */
  exactCells: boolean;
  /** First cell of each coarse group (reference deciles, or every cell for a discrete column). */
  groups: number[];
  count: number;
  missing: number;
  distinct: number;
  /** Population standard deviation (numpy's default), the Wasserstein normalizer. */
  std: number;
  iqr: number;
}

export interface CategoricalDriftColumn {
  name: string;
  kind: 'categorical';
  role: 'feature' | 'extra';
  /** The most frequent categories (at most maxCategories), most frequent first. */
  categories: string[];
  counts: number[];
  /** Reference values of the categories beyond the cap. */
  other: number;
  count: number;
  missing: number;
  distinct: number;
}

export type DriftColumnProfile = NumericDriftColumn | CategoricalDriftColumn;

export interface DriftProfile {
  version: 1;
  /** Hash of the columns: an aggregate names the profile it was counted on. */
  id: string;
  rows: number;
  bins: number;
  maxCategories: number;
  columns: DriftColumnProfile[];
}

export interface DriftFeatures {
  numeric: string[];
  categorical: string[];
}

export interface DriftProfileOptions {
  /** Extra columns profiled the same way (prediction drift, label drift), e.g. named `__prediction`, `__label`. */
  columns?: Column[];
  bins?: number;
  maxCategories?: number;
  /** false: leave `id` empty, skipping the hash of the columns (an exact comparison never names its profile). */
  identify?: boolean;
  /** Sort each numeric column into `scratch` and hand it to `visit` instead of keeping it (the map comes back empty). */
  visitSorted?: { scratch: SortScratch; visit: (column: NumericDriftColumn, sorted: Float64Array) => void };
}

/** The profile of `reference` (the champion's training data) for the given features and extra columns. */
export function buildDriftProfile(reference: Table, features: DriftFeatures, extra?: DriftProfileOptions): DriftProfile {
  return profileWithSorted(reference, features, extra).profile;
}

/** The profile and, per numeric column, the reference's sorted finite values (prepareExactReference keeps them). */
export function profileWithSorted(reference: Table, features: DriftFeatures, extra: DriftProfileOptions = {}): { profile: DriftProfile; sorted: Map<string, Float64Array> } {
  const bins = extra.bins ?? DRIFT_BINS;
  const maxCategories = extra.maxCategories ?? DRIFT_MAX_CATEGORIES;
  if (!Number.isInteger(bins) || bins < 10) throw new DataError(`drift profile bins must be an integer ≥ 10 (got ${bins})`);
  if (reference.rows === 0) throw new DataError('the drift reference has no rows');
  const chosen = [
    ...features.numeric.map((name) => ({ column: findColumn(reference, name, 'numeric'), role: 'feature' as const })),
    ...features.categorical.map((name) => ({ column: findColumn(reference, name, 'categorical'), role: 'feature' as const })),
    ...(extra.columns ?? []).map((column) => ({ column, role: 'extra' as const })),
  ];
  const seen = new Set<string>();
  for (const { column, role } of chosen) {
    if (seen.has(column.name)) throw new DataError(`drift column "${column.name}" is named twice`, { column: column.name });
    seen.add(column.name);
    if (role === 'extra' && column.values.length !== reference.rows) {
      throw new DataError(`extra drift column "${column.name}" has ${column.values.length} values but the reference has ${reference.rows} rows`, { column: column.name });
    }
    if (column.kind === 'date') throw new DataError(`drift column "${column.name}" is a date column; drift is measured on numeric and categorical columns`, { column: column.name });
  }
  const sorted = new Map<string, Float64Array>();
  const { visitSorted } = extra;
  const tmp = visitSorted ? null : new Float64Array(reference.rows); // the sort's second buffer, shared by the columns
  const columns = chosen.map(({ column, role }): DriftColumnProfile => {
    if (column.kind === 'categorical') return categoricalProfile(column.name, role, column.values, maxCategories);
    const values = visitSorted ? sortFiniteInto(column.values as Float64Array, visitSorted.scratch) : sortedFinite(column.values as Float64Array, tmp!);
    const profile = numericProfile(column.name, role, values, column.values.length, bins);
    if (visitSorted) visitSorted.visit(profile, values);
    else sorted.set(column.name, values);
    return profile;
  });
  const id = extra.identify === false ? '' : createHash('sha256').update(JSON.stringify(columns)).digest('hex').slice(0, 16);
  return { profile: { version: 1, id, rows: reference.rows, bins, maxCategories, columns }, sorted };
}

function findColumn(table: Table, name: string, kind: 'numeric' | 'categorical'): Column {
  const c = table.columns.find((col) => col.name === name);
  if (!c) throw new DataError(`feature "${name}" is not a column of the reference data (have: ${table.columns.map((x) => x.name).join(', ')})`, { feature: name });
  if (c.kind !== kind) throw new DataError(`feature "${name}" is listed as ${kind} but is a ${c.kind} column of the reference data`, { feature: name });
  return c;
}

function numericProfile(name: string, role: 'feature' | 'extra', sorted: Float64Array, length: number, bins: number): NumericDriftColumn {
  const n = sorted.length;
  if (n === 0) throw new DataError(`column "${name}" has no finite values in the reference data`, { column: name });
  let distinct = 1;
  let mean = 0 + sorted[0];
  for (let i = 1; i < n; i++) {
    if (sorted[i] !== sorted[i - 1]) distinct++;
    mean += sorted[i];
  }
  mean /= n;
  const edges: number[] = [];
  const exactCells = distinct <= bins + 1;
  if (exactCells) {
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) edges.push(sorted[i]);
  } else {
    // Order statistics at k/bins of the way (reference values, so ties land in point cells), merged with an
    // equal-width grid of as many points over [min, max], so that no cell is wide (long tails keep Wasserstein close).
    const lo = sorted[0];
    const hi = sorted[n - 1];
    let q = 0;
    for (let k = 0; k <= bins; k++) {
      const grid = k === bins ? hi : lo + ((hi - lo) * k) / bins;
      for (; q <= bins; q++) {
        const v = sorted[Math.round((q * (n - 1)) / bins)];
        if (v > grid) break;
        if (edges.length === 0 || v > edges[edges.length - 1]) edges.push(v);
      }
      if (grid > edges[edges.length - 1]) edges.push(grid);
    }
  }
  const { counts } = cellCountsOfSorted(sorted, edges);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (sorted[i] - mean) ** 2;
  const discrete = distinct <= 5;
  return {
    name, kind: 'numeric', role, edges, counts: Array.from(counts), exactCells,
    groups: discrete ? Array.from(counts, (_, k) => k) : coarseGroups(counts, COARSE_BINS),
    count: n, missing: length - n, distinct, std: Math.sqrt(ss / n), iqr: sortedQuantile(sorted, 0.75) - sortedQuantile(sorted, 0.25),
  };
}

function categoricalProfile(name: string, role: 'feature' | 'extra', values: readonly (string | null)[], maxCategories: number): CategoricalDriftColumn {
  const tally = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null || v === undefined) missing++;
    else tally.set(v, (tally.get(v) ?? 0) + 1);
  }
  if (tally.size === 0) throw new DataError(`column "${name}" has no values in the reference data`, { column: name });
  const ranked = [...tally].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const kept = ranked.slice(0, maxCategories);
  const other = ranked.slice(maxCategories).reduce((s, [, c]) => s + c, 0);
  return {
    name, kind: 'categorical', role, categories: kept.map(([k]) => k), counts: kept.map(([, c]) => c), other,
    count: values.length - missing, missing, distinct: tally.size,
  };
}
