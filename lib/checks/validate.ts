// Validates a table against a DataSchema: columns, kinds, nulls, numeric ranges, category domains, row count.
import type { Column, ColumnKind, Table } from '../data/table.js';
import { parseIsoDate, parseNumberText } from '../data/typing.js';
import { profileColumn, type ColumnProfile, type ColumnSchema, type DataSchema } from './schema.js';

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
}

const SAMPLE = 5;

/** Runs every check; never throws for bad data, it reports it. */
export function validateTable(table: Table, schema: DataSchema, options: ValidateOptions = {}): ValidationReport {
  const tolerance = options.rangeTolerance ?? 0.5;
  const issues: ValidationIssue[] = [];
  const n = table.rows;
  if (n === 0) {
    issues.push({ column: '', check: 'row_count', severity: 'error', message: 'table has no rows', failingRows: 0, sample: [] });
  }
  const byName = new Map(table.columns.map((c) => [c.name, c]));
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
    checkColumn(col, spec, n, tolerance, issues);
  }
  for (const c of table.columns) {
    if (!expected.has(c.name)) {
      issues.push({
        column: c.name, check: 'unexpected_column', severity: 'warning', failingRows: 0, sample: [],
        message: `column "${c.name}" (${c.kind}) is not in the schema and is ignored`,
      });
    }
  }
  return {
    ok: !issues.some((i) => i.severity === 'error'),
    rows: n,
    issues,
    columns: table.columns.map(profileColumn),
  };
}

/** Collects offending values: count, up to 5 distinct values and the first 5 row numbers. */
class Offenders {
  count = 0;
  readonly sample: (string | number | null)[] = [];
  readonly rows: number[] = [];
  add(value: string | number | null, row: number): void {
    this.count++;
    if (this.rows.length < SAMPLE) this.rows.push(row + 1);
    if (this.sample.length < SAMPLE && !this.sample.includes(value)) this.sample.push(value);
  }
  examples(): string {
    const shown = this.sample.slice(0, 3).map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
    return `(e.g. ${shown.join(', ')})`;
  }
}

function checkColumn(col: Column, spec: ColumnSchema, n: number, tolerance: number, issues: ValidationIssue[]): void {
  const name = spec.name;
  const push = (check: ValidationCheck, message: string, o: Offenders) =>
    issues.push({ column: name, check, severity: 'error', message, failingRows: o.count, sample: o.sample, rows: o.rows });

  if (col.kind !== spec.kind) {
    const { offenders, what } = kindOffenders(col, spec.kind);
    push('type', `column "${name}": expected ${spec.kind}, found ${col.kind}: ${offenders.count} of ${n} values ${what} ${offenders.examples()}`, offenders);
    return;
  }
  const nulls = new Offenders();
  const range = new Offenders();
  const unknown = new Offenders();
  let lo = -Infinity;
  let hi = Infinity;
  if (col.kind === 'numeric' && spec.min !== undefined && spec.max !== undefined) {
    const span = Math.max(spec.max - spec.min, 1e-9 * Math.max(1, Math.abs(spec.min), Math.abs(spec.max)));
    lo = spec.min - tolerance * span;
    hi = spec.max + tolerance * span;
  }
  if (col.kind === 'categorical') {
    const domain = spec.categories ? new Set(spec.categories) : null;
    col.values.forEach((v, i) => {
      if (v === null) nulls.add(null, i);
      else if (domain && !domain.has(v)) unknown.add(v, i);
    });
  } else {
    const values = col.values;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isNaN(v)) nulls.add(null, i);
      else if (!(v >= lo && v <= hi)) range.add(v, i);
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
}

/** For a kind mismatch: the values that do not read as the expected kind. */
function kindOffenders(col: Column, expected: ColumnKind): { offenders: Offenders; what: string } {
  const offenders = new Offenders();
  if (col.kind === 'categorical' && expected !== 'categorical') {
    const parse = expected === 'numeric' ? parseNumberText : parseIsoDate;
    col.values.forEach((v, i) => {
      if (v !== null && parse(v) === undefined) offenders.add(v, i);
    });
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
