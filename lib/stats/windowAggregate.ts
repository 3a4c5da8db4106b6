// A window's mergeable drift aggregate on a profile's cells, and the builder the serving hot path feeds row by row.
import { DataError } from '../data/errors.js';
import { cellOf } from './driftCells.js';
import type { DriftProfile } from './driftProfile.js';

/** Distinct unseen categories tracked per column and window; later ones are counted as "other". */
export const MAX_NEW_CATEGORIES = 50;

export interface NumericWindowColumn {
  /** Count per profile cell. */
  counts: number[];
  missing: number;
  /** Sums of the values below the reference minimum and above its maximum (exact Wasserstein tails). */
  belowSum: number;
  aboveSum: number;
}

export interface CategoricalWindowColumn {
  /** Count per profile category. */
  counts: number[];
  /** Values of the reference's rare categories, and unseen ones beyond MAX_NEW_CATEGORIES. */
  other: number;
  missing: number;
  /** Categories the reference's profile does not know. */
  newCategories: Record<string, number>;
}

export interface WindowAggregate {
  version: 1;
  profileId: string;
  rows: number;
  numeric: Record<string, NumericWindowColumn>;
  categorical: Record<string, CategoricalWindowColumn>;
}

interface NumericState { name: string; edges: Float64Array; counts: Float64Array; missing: number; belowSum: number; aboveSum: number }
interface CategoricalState { name: string; index: Map<string, number>; counts: Float64Array; other: number; missing: number; fresh: Map<string, number> }

/** Counts one window's logged instances on a profile's cells; per row a binary search per numeric column, no allocation. */
export class AggregateBuilder {
  private rows = 0;
  private readonly numeric: NumericState[] = [];
  private readonly categorical: CategoricalState[] = [];

  constructor(private readonly profile: DriftProfile) {
    for (const c of profile.columns) {
      if (c.kind === 'numeric') {
        this.numeric.push({ name: c.name, edges: Float64Array.from(c.edges), counts: new Float64Array(c.counts.length), missing: 0, belowSum: 0, aboveSum: 0 });
      } else {
        this.categorical.push({ name: c.name, index: new Map(c.categories.map((k, i) => [k, i])), counts: new Float64Array(c.categories.length), other: 0, missing: 0, fresh: new Map() });
      }
    }
  }

  /**
   * One logged instance: numbers for numeric columns (non-finite or absent: missing), strings for categorical ones;
   * `extra` gives one more column's value (e.g. the answer) without copying the record.
   */
  add(record: Readonly<Record<string, unknown>>, extra?: { name: string; value: unknown }): void {
    this.rows++;
    for (const s of this.numeric) {
      const v = extra !== undefined && s.name === extra.name ? extra.value : record[s.name];
      if (typeof v === 'number' && v - v === 0) countNumber(s, v);
      else s.missing++;
    }
    for (const s of this.categorical) {
      const v = extra !== undefined && s.name === extra.name ? extra.value : record[s.name];
      if (typeof v === 'string') countCategory(s, v);
      else if (typeof v === 'number' || typeof v === 'boolean') countCategory(s, String(v));
      else s.missing++;
    }
  }

  /**
   * Many instances at once, as columns of equal length: Float64Array for numeric columns (NaN, ±Infinity:
   * missing), arrays of strings (null: missing) for categorical ones. A profile column not given is missing.
   */
  addColumns(columns: Readonly<Record<string, Float64Array | readonly (string | null | undefined)[]>>): void {
    const names = Object.keys(columns);
    const known = new Set(this.profile.columns.map((c) => c.name));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0) throw new DataError(`columns ${unknown.map((n) => `"${n}"`).join(', ')} are not in the drift profile (have: ${[...known].join(', ')})`);
    const lengths = new Set(names.map((n) => columns[n].length));
    if (lengths.size > 1) throw new DataError(`addColumns needs columns of one length (got ${[...lengths].join(', ')})`);
    const n = names.length === 0 ? 0 : columns[names[0]].length;
    this.rows += n;
    for (const s of this.numeric) {
      const values = columns[s.name];
      if (values === undefined) s.missing += n;
      else if (!(values instanceof Float64Array)) throw new DataError(`numeric column "${s.name}" must be a Float64Array`);
      else for (let i = 0; i < n; i++) {
        const v = values[i];
        if (v - v === 0) countNumber(s, v);
        else s.missing++;
      }
    }
    for (const s of this.categorical) {
      const values = columns[s.name];
      if (values === undefined) s.missing += n;
      else if (values instanceof Float64Array) throw new DataError(`categorical column "${s.name}" must be an array of strings`);
      else for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v === 'string') countCategory(s, v);
        else s.missing++;
      }
    }
  }

  /** The window so far, as plain JSON-serializable data (the builder keeps counting). */
  snapshot(): WindowAggregate {
    const numeric: Record<string, NumericWindowColumn> = {};
    for (const s of this.numeric) numeric[s.name] = { counts: Array.from(s.counts), missing: s.missing, belowSum: s.belowSum, aboveSum: s.aboveSum };
    const categorical: Record<string, CategoricalWindowColumn> = {};
    for (const s of this.categorical) categorical[s.name] = { counts: Array.from(s.counts), other: s.other, missing: s.missing, newCategories: Object.fromEntries(s.fresh) };
    return { version: 1, profileId: this.profile.id, rows: this.rows, numeric, categorical };
  }

  /** Starts a new window. */
  reset(): void {
    this.rows = 0;
    for (const s of this.numeric) Object.assign(s, { missing: 0, belowSum: 0, aboveSum: 0 }).counts.fill(0);
    for (const s of this.categorical) {
      Object.assign(s, { other: 0, missing: 0 }).counts.fill(0);
      s.fresh.clear();
    }
  }
}

function countNumber(s: NumericState, v: number): void {
  const cell = cellOf(s.edges, v);
  s.counts[cell]++;
  if (cell === 0) s.belowSum += v;
  else if (cell === s.counts.length - 1) s.aboveSum += v;
}

function countCategory(s: CategoricalState, v: string): void {
  const k = s.index.get(v);
  if (k !== undefined) s.counts[k]++;
  else {
    const seen = s.fresh.get(v);
    if (seen !== undefined) s.fresh.set(v, seen + 1);
    else if (s.fresh.size < MAX_NEW_CATEGORIES) s.fresh.set(v, 1);
    else s.other++;
  }
}

/**
 * Two windows' aggregates on the same profile as one. Equal to the aggregate of the union while the unseen
 * categories stay within MAX_NEW_CATEGORIES; beyond it the most frequent are kept and the rest count as "other".
 */
export function mergeAggregates(a: WindowAggregate, b: WindowAggregate): WindowAggregate {
  if (a.profileId !== b.profileId) throw new DataError(`cannot merge aggregates of different drift profiles (${a.profileId} and ${b.profileId})`);
  const numeric: Record<string, NumericWindowColumn> = {};
  for (const [name, x] of Object.entries(a.numeric)) {
    const y = b.numeric[name];
    if (!y || y.counts.length !== x.counts.length) throw new DataError(`aggregates disagree on numeric column "${name}"`);
    numeric[name] = { counts: x.counts.map((c, i) => c + y.counts[i]), missing: x.missing + y.missing, belowSum: x.belowSum + y.belowSum, aboveSum: x.aboveSum + y.aboveSum };
  }
  const categorical: Record<string, CategoricalWindowColumn> = {};
  for (const [name, x] of Object.entries(a.categorical)) {
    const y = b.categorical[name];
    if (!y || y.counts.length !== x.counts.length) throw new DataError(`aggregates disagree on categorical column "${name}"`);
    const fresh = new Map(Object.entries(x.newCategories));
    for (const [k, c] of Object.entries(y.newCategories)) fresh.set(k, (fresh.get(k) ?? 0) + c);
    const ranked = [...fresh].sort((p, q) => q[1] - p[1] || (p[0] < q[0] ? -1 : 1));
    const dropped = ranked.slice(MAX_NEW_CATEGORIES).reduce((s, [, c]) => s + c, 0);
    categorical[name] = {
      counts: x.counts.map((c, i) => c + y.counts[i]), other: x.other + y.other + dropped, missing: x.missing + y.missing,
      newCategories: Object.fromEntries(ranked.slice(0, MAX_NEW_CATEGORIES)),
    };
  }
  return { version: 1, profileId: a.profileId, rows: a.rows + b.rows, numeric, categorical };
}

/** mergeAggregates(a, b) written into `a` (its count arrays are added to in place): merging many aggregates keeps one in memory. */
export function mergeInto(a: WindowAggregate, b: WindowAggregate): WindowAggregate {
  const categorical = mergeAggregates({ ...a, numeric: {} }, { ...b, numeric: {} }).categorical; // checks the profile ids too
  for (const [name, x] of Object.entries(a.numeric)) {
    const y = b.numeric[name];
    if (!y || y.counts.length !== x.counts.length) throw new DataError(`aggregates disagree on numeric column "${name}"`);
    for (let i = 0; i < x.counts.length; i++) x.counts[i] += y.counts[i];
    x.missing += y.missing;
    x.belowSum += y.belowSum;
    x.aboveSum += y.aboveSum;
  }
  a.categorical = categorical;
  a.rows += b.rows;
  return a;
}
