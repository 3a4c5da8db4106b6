// Validates a table against a DataSchema: columns, kinds, nulls, numeric ranges, category domains, row count.
import type { CategoricalColumn, Column, ColumnKind, Table } from '../data/table.js';
import { parseIsoDate, parseNumberText } from '../data/textValues.js';
import type { ColumnStats, DatasetProfile } from '../data/profile.js';
import { encoded, type EncodingCache } from '../stats/dictionary.js';
import { columnProfileFromStats, profileColumn, type ColumnProfile, type ColumnSchema, type DataSchema } from './schema.js';
import { Offenders, SAMPLE } from './offenders.js';

export type ValidationCheck =
  | 'missing_column'
  | 'unexpected_column'
  | 'type'
  | 'nulls'
  | 'range'
  | 'category'
  | 'row_count';

export interface ValidationIssue {
  /** The column concerned ('' for table-level issues such as row_count). */
  column: string;
  check: ValidationCheck;
  severity: 'error' | 'warning';
  message: string;
  failingRows: number;
  /** Up to 5 distinct offending values. */
  sample: (string | number | null)[];
  /** 1-based row numbers of the first (up to 5) offending rows. */
  rows?: number[];
  /** Set by runValidation when the failing rows were set aside (the issue is then a warning). */
  quarantined?: boolean;
}

export interface ValidationReport {
  /** True when no issue has severity 'error'. */
  ok: boolean;
  rows: number;
  issues: ValidationIssue[];
  columns: ColumnProfile[];
}

export interface ValidateOptions {
  /** Allowed excursion beyond the schema's [min, max], as a fraction of max - min (default 0.5). */
  rangeTolerance?: number;
  /** Shared categorical encodings (one encoding per column per run). */
  cache?: EncodingCache;
  /** The table's profile, if computed: it spares passes over columns that cannot fail. */
  profile?: DatasetProfile;
}

/** A schema check's result with, for row-wise issues (nulls, range, category), the mask of failing rows. */
export interface SchemaCheckResult {
  report: ValidationReport;
  masks: Map<ValidationIssue, Uint8Array>;
}

/** Runs every check; never throws for bad data, it reports it. */
export function validateTable(table: Table, schema: DataSchema, options: ValidateOptions = {}): ValidationReport {
  return checkSchema(table, schema, options).report;
}

export function checkSchema(table: Table, schema: DataSchema, options: ValidateOptions = {}): SchemaCheckResult {
  const tolerance = options.rangeTolerance ?? 0.5;
  const issues: ValidationIssue[] = [];
  const masks = new Map<ValidationIssue, Uint8Array>();
  const n = table.rows;
  if (n === 0) {
    issues.push({ column: '', check: 'row_count', severity: 'error', message: 'table has no rows', failingRows: 0, sample: [] });
  }
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const stats = new Map((options.profile?.columns ?? []).map((c) => [c.name, c]));
  const expected = new Set(schema.columns.map((s) => s.name));
  for (const spec of schema.columns) {
    const col = byName.get(spec.name);
    if (!col) {
      issues.push({
        column: spec.name, check: 'missing_column', severity: 'error', failingRows: n, sample: [],
        message: `column "${spec.name}" (${spec.kind}) is missing`,
      });
      continue;
    }
    const found = checkColumn(col, spec, n, tolerance, options.cache, stats.get(spec.name));
    for (const f of found) {
      issues.push(f.issue);
      if (f.mask) masks.set(f.issue, f.mask);
    }
  }
  for (const c of table.columns) {
    if (!expected.has(c.name)) {
      issues.push({
        column: c.name, check: 'unexpected_column', severity: 'warning', failingRows: 0, sample: [],
        message: `column "${c.name}" (${c.kind}) is not in the schema and is ignored`,
      });
    }
  }
  const columns = table.columns.map((c) => {
    const s = stats.get(c.name);
    return s && s.kind === c.kind ? columnProfileFromStats(s) : profileColumn(c);
  });
  return { report: { ok: !issues.some((i) => i.severity === 'error'), rows: n, issues, columns }, masks };
}

interface Found {
  issue: ValidationIssue;
  mask?: Uint8Array;
}

const counts = new Float64Array(2);

/** One pass: counts = [missing, outside [lo, hi]]. */
function countNumeric(values: Float64Array, lo: number, hi: number): void {
  let nulls = 0;
  let outside = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) nulls++;
    else if (v < lo || v > hi) outside++;
  }
  counts[0] = nulls;
  counts[1] = outside;
}

function checkColumn(col: Column, spec: ColumnSchema, n: number, tolerance: number, cache: EncodingCache | undefined, stats: ColumnStats | undefined): Found[] {
  const name = spec.name;
  const found: Found[] = [];
  const push = (check: ValidationCheck, message: string, o: Offenders) => {
    const issue: ValidationIssue = { column: name, check, severity: 'error', message, failingRows: o.count, sample: o.sample, rows: o.rows };
    found.push(o.mask ? { issue, mask: o.mask } : { issue });
  };
  if (col.kind !== spec.kind) {
    const { offenders, what } = kindOffenders(col, spec.kind, cache);
    push('type', `column "${name}": expected ${spec.kind}, found ${col.kind}: ${offenders.count} of ${n} values ${what} ${offenders.examples()}`, offenders);
    return found;
  }
  const nulls = new Offenders(n);
  const range = new Offenders(n);
  const unknown = new Offenders(n);
  let lo = -Infinity;
  let hi = Infinity;
  if (col.kind === 'numeric' && spec.min !== undefined && spec.max !== undefined) {
    const span = Math.max(spec.max - spec.min, 1e-9 * Math.max(1, Math.abs(spec.min), Math.abs(spec.max)));
    lo = spec.min - tolerance * span;
    hi = spec.max + tolerance * span;
  }
  if (col.kind === 'categorical') {
    categoricalOffenders(col, spec, cache, nulls, unknown);
  } else {
    let missing: number;
    let outside: number;
    const s = stats && stats.kind === col.kind ? stats : undefined;
    if (s && s.infinite === 0 && (s.min === null || (s.min >= lo && (s.max as number) <= hi))) {
      missing = s.nulls; // the profile proves no value is out of range
      outside = 0;
    } else {
      countNumeric(col.values, lo, hi);
      [missing, outside] = counts;
    }
    const wantNulls = !spec.nullable && missing > 0;
    if (wantNulls || outside > 0) {
      const values = col.values;
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v !== v) {
          if (wantNulls) nulls.add(null, i);
        } else if (v < lo || v > hi) range.add(v, i);
      }
    }
  }
  if (!spec.nullable && nulls.count > 0) {
    push('nulls', `column "${name}": ${nulls.count} of ${n} values missing, schema says not nullable (row${nulls.count > 1 ? 's' : ''} ${nulls.rows.join(', ')}${nulls.count > SAMPLE ? ', …' : ''})`, nulls);
  }
  if (range.count > 0) {
    push('range', `column "${name}": ${range.count} of ${n} values outside [${fmt(lo)}, ${fmt(hi)}] ${range.examples()}`, range);
  }
  if (unknown.count > 0) {
    push('category', `column "${name}": ${unknown.count} of ${n} values not among the ${spec.categories?.length} known categories ${unknown.examples()}`, unknown);
  }
  return found;
}

/** Nulls (when the schema forbids them) and values outside the domain, decided once per distinct value. */
function categoricalOffenders(col: CategoricalColumn, spec: ColumnSchema, cache: EncodingCache | undefined, nulls: Offenders, unknown: Offenders): void {
  const e = encoded(col.values, cache);
  const known = new Uint8Array(e.dictionary.length).fill(1);
  let unknownRows = 0;
  if (spec.categories) {
    const domain = new Set(spec.categories);
    e.dictionary.forEach((v, k) => {
      if (!domain.has(v)) {
        known[k] = 0;
        unknownRows += e.counts[k];
      }
    });
  }
  const wantNulls = !spec.nullable && e.nulls > 0;
  if (!wantNulls && unknownRows === 0) return;
  const codes = e.codes;
  for (let i = 0; i < codes.length; i++) {
    const k = codes[i];
    if (k < 0) {
      if (wantNulls) nulls.add(null, i);
    } else if (known[k] === 0) unknown.add(e.dictionary[k], i);
  }
}

/** For a kind mismatch: the values that do not read as the expected kind. */
function kindOffenders(col: Column, expected: ColumnKind, cache: EncodingCache | undefined): { offenders: Offenders; what: string } {
  const offenders = new Offenders();
  if (col.kind === 'categorical' && expected !== 'categorical') {
    const parse = expected === 'numeric' ? parseNumberText : parseIsoDate;
    const e = encoded(col.values, cache);
    const bad = e.dictionary.map((v) => parse(v) === undefined);
    for (let i = 0; i < e.codes.length; i++) if (e.codes[i] >= 0 && bad[e.codes[i]]) offenders.add(e.dictionary[e.codes[i]], i);
    if (offenders.count > 0) return { offenders, what: expected === 'numeric' ? 'are not numbers' : 'are not ISO-8601 dates' };
  }
  // Every present value is of the wrong kind.
  for (let i = 0; i < col.values.length; i++) {
    const v = col.values[i];
    if (v !== null && !(typeof v === 'number' && Number.isNaN(v))) offenders.add(v, i);
  }
  const hint = expected === 'categorical' ? ' (force the kind when parsing to keep them as text)' : '';
  return { offenders, what: `are ${col.kind}${hint}` };
}

/** Compact number for messages: integers as is, others to 6 significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x) || Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(6)));
}
