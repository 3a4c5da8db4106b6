// The drift suite computed exactly from raw values: the reference sorted and profiled once, any number of windows against it.
import type { Column, Table } from '../data/table.js';
import { DataError } from '../data/errors.js';
import { sortFiniteInto, sortScratch, type SortScratch } from './radixSort.js';
import { cellCountsOfSorted, cellOf } from './driftCells.js';
import { ksAndWasserstein } from './exactWalk.js';
import { profileWithSorted, type DriftColumnProfile, type DriftFeatures, type DriftProfile, type NumericDriftColumn } from './driftProfile.js';
import { judgeWindow, measureCategorical, measureNumeric, type DriftSuiteResult, type Measured } from './driftMeasure.js';
import { DEFAULT_DRIFT_POLICY, type DriftSuitePolicy } from './driftPolicy.js';

/** Extra columns (prediction, label) of both sides, matched by name. */
export interface ExtraColumns {
  reference: Column[];
  current: Column[];
}

/**
 * A reference ready for exact comparisons: its profile (every category kept; `id` empty, as it is never
 * hashed — build aggregates on buildDriftProfile) and each numeric column's sorted finite values.
 */
export interface ExactReference {
  profile: DriftProfile;
  sorted: ReadonlyMap<string, Float64Array>;
  /** Sort buffers reused by every window compared with this reference (grown on demand). */
  scratch: SortScratch | null;
}

/** Every reference category is kept: the exact side has no "other". */
const EXACT_OPTIONS = { maxCategories: Number.MAX_SAFE_INTEGER, identify: false };

/** Sorts and profiles the reference once (the one-off cost of exact drift against it). */
export function prepareExactReference(reference: Table, features: DriftFeatures, extraReference?: Column[]): ExactReference {
  const { profile, sorted } = profileWithSorted(reference, features, { ...EXACT_OPTIONS, columns: extraReference });
  return { profile, sorted, scratch: null };
}

/**
 * Every test of one window against a prepared reference: KS and Wasserstein exact (one merge walk of the
 * sorted columns), PSI, chi-square and Jensen–Shannon on the same cells as driftFromAggregates.
 */
export function driftExactPrepared(prepared: ExactReference, current: Table, policy: DriftSuitePolicy = DEFAULT_DRIFT_POLICY, extraCurrent?: Column[]): DriftSuiteResult {
  if (current.rows === 0) throw new DataError('the current data has no rows: drift cannot be measured');
  const longest = longestColumn(current, extraCurrent);
  if (!prepared.scratch || prepared.scratch.out.length < longest) prepared.scratch = sortScratch(longest);
  const scratch = prepared.scratch;
  const measured = prepared.profile.columns.map((p) => measureColumn(p, prepared.sorted.get(p.name), current, extraCurrent, scratch));
  return judgeWindow(prepared.profile, measured, current.rows, policy, 'exact');
}

/**
 * One-off exact drift of `current` against `reference`: as prepareExactReference then driftExactPrepared, but
 * column by column through three reused buffers (no sorted copy of the reference is kept).
 */
export function driftExact(reference: Table, current: Table, features: DriftFeatures, policy: DriftSuitePolicy = DEFAULT_DRIFT_POLICY, extra?: ExtraColumns): DriftSuiteResult {
  if (current.rows === 0) throw new DataError('the current data has no rows: drift cannot be measured');
  const longest = longestColumn(current, extra?.current);
  const refScratch = sortScratch(reference.rows);
  const curScratch = { out: new Float64Array(longest), tmp: refScratch.tmp.length >= longest ? refScratch.tmp : new Float64Array(longest) };
  const numeric = new Map<string, Measured>();
  const { profile } = profileWithSorted(reference, features, {
    ...EXACT_OPTIONS, columns: extra?.reference,
    visitSorted: { scratch: refScratch, visit: (p, sorted) => numeric.set(p.name, measureColumn(p, sorted, current, extra?.current, curScratch)) },
  });
  const measured = profile.columns.map((p) => numeric.get(p.name) ?? measureColumn(p, undefined, current, extra?.current, curScratch));
  return judgeWindow(profile, measured, current.rows, policy, 'exact');
}

function longestColumn(current: Table, extraCurrent: Column[] | undefined): number {
  return Math.max(current.rows, ...current.columns.map((c) => c.values.length), ...(extraCurrent ?? []).map((c) => c.values.length));
}

function measureColumn(p: DriftColumnProfile, sortedRef: Float64Array | undefined, current: Table, extraCurrent: Column[] | undefined, scratch: SortScratch): Measured {
  const source = p.role === 'feature' ? current.columns : (extraCurrent ?? []);
  const col = source.find((c) => c.name === p.name);
  if (!col) throw new DataError(`column "${p.name}" is not a column of the current data (have: ${source.map((c) => c.name).join(', ')})`, { column: p.name });
  if (col.kind !== p.kind) throw new DataError(`column "${p.name}" is ${p.kind} in the reference but ${col.kind} in the current data`, { column: p.name });
  const m = p.kind === 'categorical'
    ? measureCategorical(p, countCategories(p.categories, col.values as (string | null)[]))
    : measureNumericExact(p, sortedRef as Float64Array, col.values as Float64Array, scratch);
  if (m.currentCount === 0) throw new DataError(`column "${p.name}" has no values in the window's ${current.rows} rows: its drift cannot be measured`, { column: p.name });
  return m;
}

function measureNumericExact(p: NumericDriftColumn, ref: Float64Array, values: Float64Array, scratch: SortScratch): Measured {
  const cur = sortFiniteInto(values, scratch);
  if (cur.length === 0) return measureNumeric(p, { counts: new Float64Array(2 * p.edges.length + 1), missing: values.length, belowSum: 0, aboveSum: 0 });
  const cells = cellCountsOfSorted(cur, p.edges);
  let walked: ReturnType<typeof ksAndWasserstein> | undefined;
  const sides = { reference: ref, current: cur, walk: () => (walked ??= ksAndWasserstein(ref, cur)) };
  return measureNumeric(p, { ...cells, missing: values.length - cur.length }, { sides, distinct: unionDistinct(p.edges, p.distinct, cur) });
}

/** Distinct values of reference ∪ current, counted only as far as 6 (enough to tell discrete from continuous). */
function unionDistinct(edges: readonly number[], distinct: number, cur: Float64Array): number {
  if (distinct > 5) return distinct;
  let count = distinct;
  for (let i = 0; i < cur.length && count <= 5; i++) {
    if ((i === 0 || cur[i] !== cur[i - 1]) && cellOf(edges, cur[i]) % 2 === 0) count++;
  }
  return count;
}

function countCategories(categories: string[], values: readonly (string | null)[]) {
  const index = new Map(categories.map((k, i) => [k, i]));
  const counts = new Float64Array(categories.length);
  const fresh = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null || v === undefined) missing++;
    else {
      const k = index.get(v);
      if (k !== undefined) counts[k]++;
      else fresh.set(v, (fresh.get(v) ?? 0) + 1);
    }
  }
  return { counts, other: 0, missing, newCategories: Object.fromEntries(fresh) };
}
