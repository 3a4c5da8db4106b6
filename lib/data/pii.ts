// Applies pii rules: to a table before it becomes a snapshot, and to a request's records before they are scored and logged.
import type { PiiRules } from '../config/pii.js';
import { DataError } from './errors.js';
import { PiiKeyError, type PiiKey } from './piiKey.js';
import type { CategoricalColumn, Column, Table } from './table.js';

/** A value's text as it is hashed: numbers and booleans as JS prints them, dates as ISO (a whole day as YYYY-MM-DD). */
function dateText(ms: number): string {
  const iso = new Date(ms).toISOString();
  return ms % 86_400_000 === 0 ? iso.slice(0, 10) : iso;
}

function hashColumn(c: Column, key: PiiKey): CategoricalColumn {
  const values: (string | null)[] = new Array(c.values.length);
  if (c.kind === 'categorical') {
    for (let i = 0; i < values.length; i++) {
      const v = c.values[i];
      values[i] = v === null || v === '' ? v : key.hash(v);
    }
  } else {
    for (let i = 0; i < values.length; i++) {
      const v = c.values[i];
      values[i] = Number.isNaN(v) ? null : key.hash(c.kind === 'date' ? dateText(v) : String(v));
    }
  }
  return { name: c.name, kind: 'categorical', values };
}

export interface PiiTableOptions {
  /** Names the data in errors. */
  origin: string;
  /** Every rule must name a column of the table (a misspelt name would leave the real column in clear); false for data
   * that went through the rules before (labelled traffic, whose dropped columns are gone). */
  strict: boolean;
}

/**
 * The table with `drop` columns removed and `hash` columns replaced by keyed hashes (categorical; missing stays
 * missing). A hashing rule without a key is an error (fail closed).
 */
export function applyPiiToTable(table: Table, rules: PiiRules, key: PiiKey | null, o: PiiTableOptions): Table {
  const names = new Set(table.columns.map((c) => c.name));
  if (o.strict) {
    const missing = Object.keys(rules).filter((name) => !names.has(name));
    if (missing.length > 0) {
      throw new DataError(
        `pii.${missing[0]}: ${o.origin} has no column "${missing[0]}" (its columns: ${[...names].join(', ')}); a pii name must be a column of the data`,
        { source: o.origin, column: missing[0] },
      );
    }
  }
  const hashed = Object.keys(rules).filter((n) => rules[n] === 'hash' && names.has(n));
  if (hashed.length > 0 && !key) throw new PiiKeyError(`pii field(s) ${hashed.join(', ')} of ${o.origin} must be hashed and no key was given`);
  const columns: Column[] = [];
  for (const c of table.columns) {
    const action = Object.hasOwn(rules, c.name) ? rules[c.name] : undefined;
    if (action === 'drop') continue;
    columns.push(action === 'hash' ? hashColumn(c, key as PiiKey) : c);
  }
  if (columns.length === 0) throw new DataError(`${o.origin}: every column is a dropped pii field; nothing is left to store`, { source: o.origin });
  return { rows: table.rows, columns };
}

/** A request value's text as it is hashed (the same text a table's value gives); null and "" are kept. */
function hashValue(v: unknown, key: PiiKey): unknown {
  if (v === null || v === undefined || v === '') return v;
  if (typeof v === 'string') return key.hash(v);
  if (typeof v === 'number' || typeof v === 'boolean') return key.hash(String(v));
  return key.hash(JSON.stringify(v));
}

/** The rules as a function over request records: a new record without dropped fields and with hashed ones (the input is not changed). */
export function piiRecordTransform(rules: PiiRules, key: PiiKey | null): (record: Record<string, unknown>) => Record<string, unknown> {
  const hashed = Object.keys(rules).filter((n) => rules[n] === 'hash');
  if (hashed.length > 0 && !key) throw new PiiKeyError(`pii field(s) ${hashed.join(', ')} must be hashed and no key was given`);
  return (record) => {
    let out: Record<string, unknown> | null = null;
    for (const name in rules) {
      if (!Object.hasOwn(record, name)) continue;
      out ??= { ...record };
      if (rules[name] === 'drop') delete out[name];
      else out[name] = hashValue(record[name], key as PiiKey);
    }
    return out ?? record;
  };
}
