// Declarative expectations (zod-validated, from the pipeline definition) and their evaluation with sample rows.
import { z } from 'zod';
import type { Column, Table } from '../data/table.js';
import type { ColumnStats, DatasetProfile } from '../data/profile.js';
import { EncodingCache } from '../stats/dictionary.js';
import { firstRows } from './rowMasks.js';
import { ExpectationError, evaluateRule, type RuleContext } from './expectationRules.js';

const column = z.string().min(1).max(256);
const common = {
  /** Stable name of the check in reports (default: kind and columns, e.g. "range:age"). */
  id: z.string().min(1).max(200).optional(),
  /** 'error' (default) stops the run; 'warning' is reported only. */
  severity: z.enum(['error', 'warning']).optional(),
};
/** A bound: a number, or for date columns an ISO-8601 date. */
const bound = z.union([z.number(), z.string().min(1)]);
const someBound = (x: { min?: unknown; max?: unknown }) => x.min !== undefined || x.max !== undefined;
const ordered = (x: { min?: unknown; max?: unknown }) =>
  !(typeof x.min === 'number' && typeof x.max === 'number' && x.min > x.max);
const bounds = 'give min, max or both';
const order = 'min must not be above max';

export const expectationSchema = z.discriminatedUnion('expect', [
  z.object({ expect: z.literal('notNull'), column, maxNullFraction: z.number().min(0).max(1).optional(), ...common }).strict(),
  z.object({ expect: z.literal('type'), column, kind: z.enum(['numeric', 'categorical', 'date']), ...common }).strict(),
  z.object({ expect: z.literal('range'), column, min: bound.optional(), max: bound.optional(), ...common }).strict()
    .refine(someBound, bounds).refine(ordered, order),
  z.object({ expect: z.literal('allowedSet'), column, values: z.array(z.union([z.string(), z.number()])).min(1), ...common }).strict(),
  z.object({ expect: z.literal('unique'), column, ...common }).strict(),
  z.object({ expect: z.literal('uniqueCombination'), columns: z.array(column).min(1).max(32), ...common }).strict(),
  z.object({
    expect: z.literal('pattern'), column, regex: z.string().min(1).max(1000),
    /** RegExp flags among i, m, s, u. The value matches when the regex is found anywhere in it (anchor with ^…$). */
    flags: z.string().regex(/^[imsu]*$/, 'flags may be i, m, s, u').optional(), ...common,
  }).strict(),
  z.object({ expect: z.literal('rowCount'), min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional(), ...common }).strict()
    .refine(someBound, bounds).refine(ordered, order),
  z.object({
    expect: z.literal('freshness'), column, maxAgeDays: z.number().positive(),
    /** The reference time (epoch ms or ISO-8601) for tests and replays; default: now. */
    now: bound.optional(), ...common,
  }).strict(),
  z.object({ expect: z.literal('meanBetween'), column, min: z.number().optional(), max: z.number().optional(), ...common }).strict()
    .refine(someBound, bounds).refine(ordered, order),
  z.object({ expect: z.literal('stdBetween'), column, min: z.number().min(0).optional(), max: z.number().min(0).optional(), ...common }).strict()
    .refine(someBound, bounds).refine(ordered, order),
]);

export const expectationsSchema = z.array(expectationSchema);
export type Expectation = z.infer<typeof expectationSchema>;
export type ExpectationKind = Expectation['expect'];

/** What a check measured: a number (a mean, a fraction, a count), a text (a date, a kind), or a few named numbers. */
export type Observed = number | string | null | { [key: string]: number | string | null };

/** A failing row, 1-based, with the checked columns' values (then a few more for context). */
export interface SampleRow {
  row: number;
  values: Record<string, string | number | null>;
}

export interface ExpectationResult {
  id: string;
  kind: ExpectationKind;
  columns: string[];
  severity: 'error' | 'warning';
  passed: boolean;
  /** Rows that failed a row-wise check; 0 for table-level checks (row count, freshness, mean, std). */
  failingRows: number;
  observed: Observed;
  message: string;
  /** Up to 5 failing rows. */
  sampleRows: SampleRow[];
  /** Set by runValidation when the failing rows were set aside (the result is then a warning). */
  quarantined?: boolean;
  /** Failing rows as a 0/1 mask (row-wise checks that failed). Not enumerable: never serialized. */
  readonly failingRowMask?: Uint8Array;
}

export interface EvaluateOptions {
  cache?: EncodingCache;
  /** The table's profile, if computed: means, stds and latest dates are read from it. */
  profile?: DatasetProfile;
  /** Default reference time for freshness (epoch ms); default Date.now(). */
  now?: number;
}

/** Columns shown in a sample row: the checked ones first, then others of the table up to this many. */
const SAMPLE_COLUMNS = 6;

/** Evaluates every expectation; a malformed one (unknown column, bad regex, wrong kind) fails with a clear message. */
export function evaluateExpectations(table: Table, expectations: readonly Expectation[], options: EvaluateOptions = {}): ExpectationResult[] {
  const ctx: RuleContext = {
    table,
    byName: new Map(table.columns.map((c) => [c.name, c])),
    cache: options.cache ?? new EncodingCache(),
    stats: new Map<string, ColumnStats>((options.profile?.columns ?? []).map((c) => [c.name, c])),
    now: options.now ?? Date.now(),
  };
  const used = new Map<string, number>();
  return expectations.map((e) => {
    const columns = e.expect === 'rowCount' ? [] : e.expect === 'uniqueCombination' ? e.columns : [e.column];
    const base = e.id ?? (columns.length ? `${e.expect}:${columns.join(',')}` : e.expect);
    const seen = (used.get(base) ?? 0) + 1;
    used.set(base, seen);
    const id = seen === 1 ? base : `${base}#${seen}`;
    const result: ExpectationResult = {
      id, kind: e.expect, columns, severity: e.severity ?? 'error',
      passed: false, failingRows: 0, observed: null, message: '', sampleRows: [],
    };
    try {
      const outcome = evaluateRule(e, ctx);
      result.passed = outcome.passed;
      result.failingRows = outcome.failingRows;
      result.observed = outcome.observed;
      result.message = outcome.message;
      if (outcome.mask && !outcome.passed) {
        result.sampleRows = sampleRows(table, firstRows(outcome.mask), columns);
        Object.defineProperty(result, 'failingRowMask', { value: outcome.mask, enumerable: false });
      }
    } catch (err) {
      if (!(err instanceof ExpectationError)) throw err;
      result.message = `bad expectation ${id}: ${err.message}`;
    }
    return result;
  });
}

/** Rows (0-based indices) as SampleRows: the given columns first, then others up to SAMPLE_COLUMNS. */
export function sampleRows(table: Table, rows: readonly number[], columns: readonly string[]): SampleRow[] {
  const shown: Column[] = [];
  for (const name of columns) {
    const c = table.columns.find((x) => x.name === name);
    if (c) shown.push(c);
  }
  for (const c of table.columns) {
    if (shown.length >= Math.max(SAMPLE_COLUMNS, columns.length)) break;
    if (!shown.includes(c)) shown.push(c);
  }
  return rows.map((i) => {
    const values: Record<string, string | number | null> = {};
    for (const c of shown) {
      // defineProperty: a column may be called "__proto__".
      Object.defineProperty(values, c.name, { value: cellValue(c, i), enumerable: true, writable: true, configurable: true });
    }
    return { row: i + 1, values };
  });
}

/** A cell as JSON: missing → null, dates as ISO-8601, ±Infinity as text. */
export function cellValue(c: Column, i: number): string | number | null {
  const v = c.values[i];
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (v !== v) return null;
  if (!Number.isFinite(v)) return String(v);
  return c.kind === 'date' ? new Date(v).toISOString() : v;
}
