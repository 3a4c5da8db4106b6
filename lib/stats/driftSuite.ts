// The drift test suite of one window: from mergeable aggregates on a profile, or exactly from two tables (see DRIFT.md).
import type { Column, Table } from '../data/table.js';
import { DataError } from '../data/errors.js';
import { ksStatistic } from './ks.js';
import { sortedFinite } from './radixSort.js';
import { cellCountsOfSorted, cellOf, wassersteinSorted } from './driftCells.js';
import { profileWithSorted, type DriftFeatures, type DriftProfile } from './driftProfile.js';
import type { WindowAggregate } from './windowAggregate.js';
import { judgeWindow, measureCategorical, measureNumeric, type DriftSuiteResult, type Measured } from './driftMeasure.js';
import { DEFAULT_DRIFT_POLICY, type DriftSuitePolicy } from './driftPolicy.js';

export type { ColumnDriftResult, DriftSuiteResult } from './driftMeasure.js';
export { DEFAULT_DRIFT_POLICY, type DriftMethod, type DriftSuitePolicy } from './driftPolicy.js';

function noValues(name: string, rows: number): DataError {
  return new DataError(`column "${name}" has no values in the window's ${rows} rows: its drift cannot be measured`, { column: name });
}

/** Every test for every profiled column, from a window's aggregate: cost independent of the window's size. */
export function driftFromAggregates(profile: DriftProfile, aggregate: WindowAggregate, policy: DriftSuitePolicy = DEFAULT_DRIFT_POLICY): DriftSuiteResult {
  if (aggregate.profileId !== profile.id) {
    throw new DataError(`the aggregate was counted on drift profile ${aggregate.profileId}, not on this profile (${profile.id}): rebuild it on the current profile`, {
      profileId: profile.id, aggregateProfileId: aggregate.profileId,
    });
  }
  if (aggregate.rows === 0) throw new DataError('the window has no rows: drift cannot be measured');
  const measured = profile.columns.map((p): Measured => {
    if (p.kind === 'numeric') {
      const cur = aggregate.numeric[p.name];
      if (!cur || cur.counts.length !== p.counts.length) throw new DataError(`the aggregate has no counts on the profile's cells for column "${p.name}"`, { column: p.name });
      const m = measureNumeric(p, cur);
      if (m.currentCount === 0) throw noValues(p.name, aggregate.rows);
      return m;
    }
    const cur = aggregate.categorical[p.name];
    if (!cur || cur.counts.length !== p.counts.length) throw new DataError(`the aggregate has no counts on the profile's categories for column "${p.name}"`, { column: p.name });
    const m = measureCategorical(p, cur);
    if (m.currentCount === 0) throw noValues(p.name, aggregate.rows);
    return m;
  });
  return judgeWindow(profile, measured, aggregate.rows, policy, 'aggregate');
}

/** Extra columns (prediction, label) of both sides, matched by name. */
export interface ExtraColumns {
  reference: Column[];
  current: Column[];
}

/**
 * Every test from the raw values: KS and Wasserstein exact (each column sorted once), PSI, chi-square and
 * Jensen–Shannon on the same cells as driftFromAggregates (built here from the reference).
 */
export function driftExact(reference: Table, current: Table, features: DriftFeatures, policy: DriftSuitePolicy = DEFAULT_DRIFT_POLICY, extra?: ExtraColumns): DriftSuiteResult {
  if (current.rows === 0) throw new DataError('the current data has no rows: drift cannot be measured');
  // Every reference category is kept: the exact side has no "other".
  const { profile, sorted } = profileWithSorted(reference, features, { columns: extra?.reference, maxCategories: Number.MAX_SAFE_INTEGER });
  const measured = profile.columns.map((p): Measured => {
    const source = p.role === 'feature' ? current.columns : (extra?.current ?? []);
    const col = source.find((c) => c.name === p.name);
    if (!col) throw new DataError(`column "${p.name}" is not a column of the current data (have: ${source.map((c) => c.name).join(', ')})`, { column: p.name });
    if (col.kind !== p.kind) throw new DataError(`column "${p.name}" is ${p.kind} in the reference but ${col.kind} in the current data`, { column: p.name });
    if (p.kind === 'categorical') {
      const m = measureCategorical(p, countCategories(p.categories, col.values as (string | null)[]));
      if (m.currentCount === 0) throw noValues(p.name, current.rows);
      return m;
    }
    const cur = sortedFinite(col.values as Float64Array);
    if (cur.length === 0) throw noValues(p.name, current.rows);
    const ref = sorted.get(p.name) as Float64Array;
    const cells = cellCountsOfSorted(cur, p.edges);
    const exact = { ksStatistic: ksStatistic(ref, cur), wasserstein: wassersteinSorted(ref, cur), distinct: unionDistinct(p.edges, p.distinct, cur) };
    return measureNumeric(p, { ...cells, missing: col.values.length - cur.length }, exact);
  });
  return judgeWindow(profile, measured, current.rows, policy, 'exact');
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
