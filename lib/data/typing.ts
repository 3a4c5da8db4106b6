// Typing of loosely typed records or columns: decides each column's kind and builds a Table.
import type { Column, ColumnKind, Table } from './table.js';
import { DataError, describeValue } from './errors.js';
import { parseIsoDate, parseNumberText } from './textValues.js';

/**
 * Kind rules (per column, over its non-null values):
 * - null, undefined, NaN, invalid Date and blank strings are missing values;
 * - all numbers / numeric strings ("1.5", "-2e3", "NaN", "Infinity") → numeric;
 * - all Date objects / ISO-8601 strings (YYYY-MM-DD, optionally THH:MM[:SS[.fff]] and Z or ±HH:MM;
 *   no offset means UTC) → date, as epoch ms;
 * - anything else (including booleans, as "true"/"false", and mixes) → categorical strings;
 * - a column with no values at all → categorical (all null).
 * With `mixedTypes: 'error'`, a column where most (over half of the) non-null values are numbers, or dates,
 * but some are not throws a DataError naming the first value that does not fit, instead of turning categorical.
 */
export interface TypingOptions {
  /** Force these columns to a kind instead of inferring it; a value that does not fit throws DataError. */
  kinds?: Record<string, ColumnKind>;
  /** What a mostly-numeric (or mostly-date) column with a few other values becomes (default 'categorical'). */
  mixedTypes?: 'categorical' | 'error';
  /** How row `index` (0-based) is named in messages; default `row <index + 1>`. Sources pass line numbers. */
  rowLabel?: (index: number) => string;
}

/** The per-column part of TypingOptions. */
export type ColumnTypingOptions = Pick<TypingOptions, 'mixedTypes' | 'rowLabel'>;

/** One column of raw values, in row order. */
export interface RawColumn {
  name: string;
  values: ArrayLike<unknown>;
}

/** Typed table from row objects; columns appear in first-seen key order, absent keys are missing values. */
export function tableFromObjects(
  rows: readonly Record<string, unknown>[],
  sourceName: string,
  options: TypingOptions = {},
): Table {
  const n = rows.length;
  const byName = new Map<string, unknown[]>();
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new DataError(`${sourceName}: row ${i + 1} is ${describeValue(row)}, expected an object`, {
        source: sourceName,
        row: i + 1,
      });
    }
    for (const key of Object.keys(row)) {
      let values = byName.get(key);
      if (!values) {
        values = new Array<unknown>(n);
        byName.set(key, values);
      }
      values[i] = row[key];
    }
  }
  return tableFromColumns(
    [...byName].map(([name, values]) => ({ name, values })),
    sourceName,
    options,
  );
}

/** Typed table from column-major input; every column must have the same length. */
export function tableFromColumns(
  columns: readonly RawColumn[],
  sourceName: string,
  options: TypingOptions = {},
): Table {
  const rows = columns.length > 0 ? columns[0].values.length : 0;
  const seen = new Set<string>();
  const typed = columns.map((raw) => {
    if (seen.has(raw.name)) {
      throw new DataError(`${sourceName}: duplicate column name "${raw.name}"`, { source: sourceName, column: raw.name });
    }
    seen.add(raw.name);
    if (raw.values.length !== rows) {
      throw new DataError(
        `${sourceName}: column "${raw.name}" has ${raw.values.length} values, expected ${rows} like "${columns[0].name}"`,
        { source: sourceName, column: raw.name },
      );
    }
    return typeColumn(raw.name, raw.values, sourceName, options.kinds?.[raw.name], options);
  });
  return { rows, columns: typed };
}

type Cls = 'null' | 'num' | 'date' | 'other';

/** Classifies one raw value; `out[0]` receives the number or epoch ms for 'num'/'date'. */
function classify(value: unknown, out: Float64Array): Cls {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      if (Number.isNaN(value)) return 'null';
      out[0] = value;
      return 'num';
    case 'bigint':
      out[0] = Number(value);
      return 'num';
    case 'boolean':
      return 'other';
    case 'string': {
      if (value.trim() === '') return 'null';
      const num = parseNumberText(value);
      if (num !== undefined) {
        if (Number.isNaN(num)) return 'null';
        out[0] = num;
        return 'num';
      }
      const ms = parseIsoDate(value);
      if (ms !== undefined) {
        out[0] = ms;
        return 'date';
      }
      return 'other';
    }
    case 'object':
      if (value instanceof Date) {
        const ms = value.getTime();
        if (Number.isNaN(ms)) return 'null';
        out[0] = ms;
        return 'date';
      }
      return 'other';
    default:
      return 'other';
  }
}

/** Types one column: inferred kind, or the forced kind (DataError naming row and value when one does not fit). */
export function typeColumn(
  name: string,
  values: ArrayLike<unknown>,
  sourceName: string,
  forced?: ColumnKind,
  options: ColumnTypingOptions = {},
): Column {
  const n = values.length;
  const scratch = new Float64Array(1);
  const label = options.rowLabel ?? ((i: number) => `row ${i + 1}`);
  const fail = (i: number, expected: string): never => {
    throw new DataError(
      `${sourceName}: column "${name}" ${label(i)}: ${describeValue(values[i])} is not ${expected}`,
      { source: sourceName, column: name, row: i + 1 },
    );
  };
  let num: Float64Array | null = forced === 'categorical' || forced === 'date' ? null : new Float64Array(n);
  let date: Float64Array | null = forced === 'categorical' || forced === 'numeric' ? null : new Float64Array(n);
  let sawNum = false;
  let sawDate = false;
  for (let i = 0; i < n && (num || date); i++) {
    const cls = classify(values[i], scratch);
    if (cls === 'null') {
      if (num) num[i] = NaN;
      if (date) date[i] = NaN;
      continue;
    }
    if (cls === 'num') sawNum = true;
    if (cls === 'date') sawDate = true;
    if (num) {
      if (cls === 'num') num[i] = scratch[0];
      else if (forced === 'numeric') fail(i, 'a number');
      else num = null;
    }
    if (date) {
      if (cls === 'date' || (cls === 'num' && forced === 'date')) date[i] = scratch[0];
      else if (forced === 'date') fail(i, 'a date (ISO-8601 text, Date or epoch ms)');
      else date = null;
    }
  }
  if (num && (sawNum || forced === 'numeric')) return { name, kind: 'numeric', values: num };
  if (date && (sawDate || forced === 'date')) return { name, kind: 'date', values: date };
  if (!forced && options.mixedTypes === 'error' && (sawNum || sawDate)) rejectMixed(name, values, sourceName, label);
  const strings: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) strings[i] = toCategory(values[i], name, i, sourceName, label);
  return { name, kind: 'categorical', values: strings };
}

/** Throws when over half of the non-null values are numbers (or dates) and the rest are something else. */
function rejectMixed(name: string, values: ArrayLike<unknown>, sourceName: string, label: (i: number) => string): void {
  const scratch = new Float64Array(1);
  const counts = { null: 0, num: 0, date: 0, other: 0 };
  const first = { num: -1, date: -1, other: -1 };
  for (let i = 0; i < values.length; i++) {
    const cls = classify(values[i], scratch);
    counts[cls]++;
    if (cls !== 'null' && first[cls] < 0) first[cls] = i;
  }
  const nonNull = values.length - counts.null;
  const major = counts.num >= counts.date ? 'num' : 'date';
  if (counts[major] * 2 <= nonNull) return;
  const minor = major === 'num' ? 'date' : 'num';
  const candidates = [first.other, first[minor]].filter((i) => i >= 0);
  const i = Math.min(...candidates);
  const what = major === 'num' ? 'numbers' : 'dates';
  throw new DataError(
    `${sourceName}: column "${name}" has mixed types: ${label(i)} holds ${describeValue(values[i])}, ` +
      `but ${counts[major]} of its ${nonNull} non-empty values are ${what} ` +
      `(fix or blank the value, or declare the column's kind)`,
    { source: sourceName, column: name, row: i + 1, value: describeValue(values[i]), problem: 'mixed types', [what]: counts[major], nonNull },
  );
}

function toCategory(value: unknown, name: string, i: number, sourceName: string, label: (i: number) => string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (typeof value === 'number') return Number.isNaN(value) ? null : String(value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  throw new DataError(
    `${sourceName}: column "${name}" ${label(i)}: ${describeValue(value)} is not a scalar value`,
    { source: sourceName, column: name, row: i + 1 },
  );
}
