// Plain-text rendering of a ValidationReport for logs, the CLI and the Web UI's details field.
import type { ColumnProfile } from './schema.js';
import { fmt, type ValidationReport } from './validate.js';

/** A multi-line summary: verdict, one line per issue, one line per column profile. */
export function formatReport(report: ValidationReport): string {
  const errors = report.issues.filter((i) => i.severity === 'error').length;
  const warnings = report.issues.length - errors;
  const lines = [
    `Validation ${report.ok ? 'passed' : 'FAILED'}: ${report.rows} rows, ${report.columns.length} columns, ` +
      `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`,
  ];
  if (report.issues.length > 0) {
    lines.push('Issues:');
    const width = Math.max(...report.issues.map((i) => i.check.length));
    for (const issue of report.issues) {
      const level = issue.severity === 'error' ? 'ERROR' : 'WARN ';
      lines.push(`  ${level} ${issue.check.padEnd(width)}  ${issue.message}`);
    }
  }
  if (report.columns.length > 0) {
    lines.push('Columns:');
    const nameWidth = Math.max(...report.columns.map((c) => c.name.length));
    for (const c of report.columns) {
      lines.push(`  ${c.name.padEnd(nameWidth)}  ${c.kind.padEnd(11)}  ${describe(c)}`);
    }
  }
  return lines.join('\n');
}

function describe(c: ColumnProfile): string {
  const parts = [`nulls ${c.nulls}`];
  if (c.min !== undefined && c.max !== undefined) {
    const show = c.kind === 'date' ? isoDay : fmt;
    parts.push(`min ${show(c.min)}`, `max ${show(c.max)}`);
  }
  if (c.mean !== undefined) parts.push(`mean ${fmt(c.mean)}`);
  if (c.distinct !== undefined) parts.push(`distinct ${c.distinct}`);
  return parts.join('  ');
}

/** ISO date, with the time only when it is not midnight UTC. */
function isoDay(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
