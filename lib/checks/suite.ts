// One entry point for data validation: profile, schema, expectations, skew, severity, quarantine → one JSON report.
import type { Table } from '../data/table.js';
import { profileTable, type DatasetProfile, type ProfileOptions } from '../data/profile.js';
import { EncodingCache } from '../stats/dictionary.js';
import type { DataSchema } from './schema.js';
import { checkSchema, type ValidationIssue } from './validate.js';
import { schemaChanges, type SchemaChange } from './schemaChanges.js';
import { evaluateExpectations, type Expectation, type ExpectationResult } from './expectations.js';
import { computeSkew, type SkewConfig, type SkewResult } from './skew.js';
import { unionMasks } from './rowMasks.js';

export interface RunValidationInput {
  table: Table;
  /** Where the data came from (a file, a query, a snapshot id): shown in the report. */
  sourceName: string;
  /** The pinned schema; absent or null: no schema checks. */
  schema?: DataSchema | null;
  expectations?: readonly Expectation[];
  skew?: { reference: DatasetProfile; config?: SkewConfig };
  /** A reference profile without a skew config: skew is checked with the default thresholds (warnings). */
  referenceProfile?: DatasetProfile;
  /** Set aside the rows failing error-level row-wise checks when they are at most this fraction of the rows. */
  quarantine?: { maxFraction: number };
  /** See ValidateOptions.rangeTolerance. */
  rangeTolerance?: number;
  profileOptions?: Omit<ProfileOptions, 'cache'>;
  /** The table's profile when it is already known (ingest stores one per snapshot): it is not computed again. */
  profile?: DatasetProfile;
  /** Reference time for freshness expectations (epoch ms); default now. */
  now?: number;
}

export interface QuarantineSummary {
  /** True when the failing rows were set aside (their checks became warnings). */
  applied: boolean;
  /** Rows failing the error-level row-wise checks (set aside when applied). */
  rows: number;
  fraction: number;
  maxFraction: number;
  /** Ids of the checks whose failing rows are concerned ("schema:<check>:<column>" or an expectation id). */
  checks: string[];
}

export interface FullValidationReport {
  version: 1;
  source: string;
  /** False when any error-level check failed. */
  ok: boolean;
  rows: number;
  columns: number;
  profile: DatasetProfile;
  /** Schema changes (new, missing, retyped columns) and every schema issue; null without a schema. */
  schema: { changes: SchemaChange[]; issues: ValidationIssue[] } | null;
  expectations: ExpectationResult[];
  skew: SkewResult[];
  /** Failed checks by severity, and passed checks (expectations and skew). */
  counts: { errors: number; warnings: number; passed: number };
  quarantine: QuarantineSummary | null;
  timingsMs: { profile: number; schema: number; expectations: number; skew: number };
}

export interface ValidationOutcome {
  report: FullValidationReport;
  /** Row indices set aside, ascending (when quarantine applied). */
  quarantinedRows?: Int32Array;
  /** Row indices kept, ascending (when quarantine applied). */
  keptRows?: Int32Array;
}

const ROW_WISE_SCHEMA = new Set(['nulls', 'range', 'category']);
const ROW_WISE_EXPECTATIONS = new Set(['notNull', 'range', 'allowedSet', 'pattern', 'unique', 'uniqueCombination']);

export function runValidation(input: RunValidationInput): ValidationOutcome {
  const { table } = input;
  const cache = new EncodingCache();
  let t = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const ms = Math.round((now - t) * 10) / 10;
    t = now;
    return ms;
  };
  const profile = input.profile ?? profileTable(table, { ...input.profileOptions, cache });
  const timingsMs = { profile: lap(), schema: 0, expectations: 0, skew: 0 };
  const checked = input.schema ? checkSchema(table, input.schema, { rangeTolerance: input.rangeTolerance, cache, profile }) : null;
  timingsMs.schema = lap();
  const expectations = evaluateExpectations(table, input.expectations ?? [], { cache, profile, now: input.now });
  timingsMs.expectations = lap();
  const reference = input.skew?.reference ?? input.referenceProfile;
  const skew = reference ? computeSkew(reference, table, input.skew?.config ?? {}, { cache }) : [];
  timingsMs.skew = lap();

  const issues = checked?.report.issues ?? [];
  let split: { out: Int32Array; kept: Int32Array } | null = null;
  let quarantine: QuarantineSummary | null = null;
  if (input.quarantine) {
    const masks: Uint8Array[] = [];
    const ids: string[] = [];
    const downgrade: (() => void)[] = [];
    for (const issue of issues) {
      const mask = checked?.masks.get(issue);
      if (issue.severity !== 'error' || !ROW_WISE_SCHEMA.has(issue.check) || !mask) continue;
      masks.push(mask);
      ids.push(`schema:${issue.check}:${issue.column}`);
      downgrade.push(() => Object.assign(issue, { severity: 'warning', quarantined: true, message: `${issue.message}; failing rows quarantined` }));
    }
    for (const r of expectations) {
      if (r.passed || r.severity !== 'error' || !ROW_WISE_EXPECTATIONS.has(r.kind) || !r.failingRowMask) continue;
      masks.push(r.failingRowMask);
      ids.push(r.id);
      downgrade.push(() => Object.assign(r, { severity: 'warning', quarantined: true, message: `${r.message}; failing rows quarantined` }));
    }
    const union = unionMasks(masks, table.rows);
    const fraction = table.rows ? union.count / table.rows : 0;
    const applied = union.count > 0 && fraction <= input.quarantine.maxFraction;
    quarantine = { applied, rows: union.count, fraction, maxFraction: input.quarantine.maxFraction, checks: ids };
    if (applied && union.mask) {
      for (const d of downgrade) d();
      split = splitRows(union.mask, union.count);
    }
  }
  const failed = [...issues, ...expectations.filter((r) => !r.passed), ...skew.filter((s) => !s.passed)];
  const errors = failed.filter((f) => f.severity === 'error').length;
  const passed = expectations.filter((r) => r.passed).length + skew.filter((s) => s.passed).length;
  const report: FullValidationReport = {
    version: 1,
    source: input.sourceName,
    ok: errors === 0,
    rows: table.rows,
    columns: table.columns.length,
    profile,
    schema: input.schema ? { changes: schemaChanges(input.schema, table), issues } : null,
    expectations,
    skew,
    counts: { errors, warnings: failed.length - errors, passed },
    quarantine,
    timingsMs,
  };
  return split ? { report, quarantinedRows: split.out, keptRows: split.kept } : { report };
}

function splitRows(mask: Uint8Array, count: number): { out: Int32Array; kept: Int32Array } {
  const out = new Int32Array(count);
  const kept = new Int32Array(mask.length - count);
  for (let i = 0, a = 0, b = 0; i < mask.length; i++) {
    if (mask[i]) out[a++] = i;
    else kept[b++] = i;
  }
  return { out, kept };
}

/** A few lines for a terminal: verdict and counts, quarantine, then each failed check (errors first). */
export function formatValidationSummary(report: FullValidationReport, maxLines = 20): string {
  const { errors, warnings, passed } = report.counts;
  const lines = [
    `Validation ${report.ok ? 'passed' : 'FAILED'} for ${report.source}: ${report.rows} rows × ${report.columns} columns; ` +
      `${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${passed} passed`,
  ];
  const q = report.quarantine;
  if (q && q.rows > 0) {
    const share = `${pct(q.fraction)} of rows; at most ${pct(q.maxFraction)} may be quarantined`;
    lines.push(q.applied ? `Quarantined ${plural(q.rows, 'row')} (${share}) failing ${q.checks.join(', ')}` : `Not quarantined: ${plural(q.rows, 'row')} fail (${share})`);
  }
  const failed: { severity: string; id: string; message: string }[] = [];
  for (const i of report.schema?.issues ?? []) failed.push({ severity: i.severity, id: `schema:${i.check}${i.column ? `:${i.column}` : ''}`, message: i.message });
  for (const r of report.expectations) if (!r.passed) failed.push({ severity: r.severity, id: r.id, message: r.message });
  for (const s of report.skew) if (!s.passed) failed.push({ severity: s.severity, id: `skew:${s.column}`, message: s.message });
  failed.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  const width = Math.min(32, Math.max(0, ...failed.map((f) => f.id.length)));
  for (const f of failed.slice(0, maxLines)) lines.push(`  ${f.severity === 'error' ? 'ERROR' : 'WARN '} ${f.id.padEnd(width)}  ${f.message}`);
  if (failed.length > maxLines) lines.push(`  … and ${failed.length - maxLines} more (see the report)`);
  return lines.join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function pct(x: number): string {
  return `${Number((x * 100).toPrecision(3))}%`;
}
