// Tests for schema inference and validation on seattle-weather: a later period passes, injected faults fail.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../lib/data/csv.js';
import { takeRows, type Table } from '../../lib/data/table.js';
import { inferSchema } from '../../lib/checks/schema.js';
import { validateTable, type ValidationCheck } from '../../lib/checks/validate.js';
import { formatReport } from '../../lib/checks/format.js';

const SEATTLE = new URL('../../node_modules/vega-datasets/data/seattle-weather.csv', import.meta.url);
const text = readFileSync(SEATTLE, 'utf8');
const [header, ...lines] = text.trimEnd().split('\n');
const early = lines.filter((l) => l < '2014'); // 2012–2013 (lines start with the date)
const late = lines.filter((l) => l >= '2014');

function csv(rows: string[]): Table {
  return parseCsv([header, ...rows].join('\n'), 'seattle-weather.csv');
}

const reference = csv(early);
const schema = inferSchema(reference);

test('inferred schema of 2012–2013: kinds, ranges, categories', () => {
  assert.equal(reference.rows, 731);
  assert.equal(schema.version, 1);
  const byName = Object.fromEntries(schema.columns.map((c) => [c.name, c]));
  assert.deepEqual(byName.date, { name: 'date', kind: 'date', nullable: false });
  assert.deepEqual(byName.temp_max, { name: 'temp_max', kind: 'numeric', nullable: false, min: -1.1, max: 34.4 });
  assert.deepEqual(byName.weather.categories, ['drizzle', 'fog', 'rain', 'snow', 'sun']);
  assert.equal(byName.weather.nullable, false);
});

test('2014–2015 validates against the 2012–2013 schema', () => {
  const report = validateTable(csv(late), schema, { rangeTolerance: 0.5 });
  assert.equal(report.rows, 730);
  assert.ok(report.ok, formatReport(report));
  assert.ok(report.issues.every((i) => i.severity === 'warning'));
  const tempMax = report.columns.find((c) => c.name === 'temp_max');
  assert.deepEqual([tempMax?.min, tempMax?.max], [-1.6, 35.6]);
});

/** Replaces one field of one 2014–15 line: column index, line index, new text. */
function inject(edits: [number, number, string][], extraHeader = ''): Table {
  const rows = late.map((l) => l.split(','));
  for (const [col, row, value] of edits) rows[row][col] = value;
  const body = rows.map((r) => r.join(',') + (extraHeader ? ',1' : ''));
  return parseCsv([header + extraHeader, ...body].join('\n'), 'late.csv');
}

function onlyError(table: Table, check: ValidationCheck, column: string) {
  const report = validateTable(table, schema);
  assert.equal(report.ok, false);
  const errors = report.issues.filter((i) => i.severity === 'error');
  assert.equal(errors.length, 1, formatReport(report));
  assert.equal(errors[0].check, check);
  assert.equal(errors[0].column, column);
  return errors[0];
}

test('a string in a numeric column is a type error with the offending value', () => {
  const issue = onlyError(inject([[2, 10, 'hot']]), 'type', 'temp_max');
  assert.equal(issue.failingRows, 1);
  assert.deepEqual(issue.sample, ['hot']);
  assert.deepEqual(issue.rows, [11]);
  assert.match(issue.message, /column "temp_max": expected numeric, found categorical: 1 of 730 values are not numbers \(e\.g\. "hot"\)/);
});

test('an unknown category is a category error', () => {
  const issue = onlyError(inject([[5, 0, 'hail'], [5, 3, 'hail'], [5, 7, 'sleet']]), 'category', 'weather');
  assert.equal(issue.failingRows, 3);
  assert.deepEqual(issue.sample, ['hail', 'sleet']);
  assert.match(issue.message, /3 of 730 values not among the 5 known categories \(e\.g\. "hail", "sleet"\)/);
});

test('nulls in a non-nullable column are a nulls error', () => {
  const issue = onlyError(inject([[4, 1, ''], [4, 2, '']]), 'nulls', 'wind');
  assert.equal(issue.failingRows, 2);
  assert.deepEqual(issue.rows, [2, 3]);
  assert.match(issue.message, /column "wind": 2 of 730 values missing/);
});

test('out-of-range values are a range error; the bounds widen by tolerance × span', () => {
  const issue = onlyError(inject([[2, 5, '500'], [2, 6, '-40'], [2, 7, '50']]), 'range', 'temp_max');
  // 2012–13 temp_max range is [-1.1, 34.4]: span 35.5, tolerance 0.5 → [-18.85, 52.15]
  assert.equal(issue.failingRows, 2);
  assert.deepEqual(issue.sample, [500, -40]);
  assert.equal(issue.message, 'column "temp_max": 2 of 730 values outside [-18.85, 52.15] (e.g. 500, -40)');
  assert.ok(validateTable(inject([[2, 7, '50']]), schema, { rangeTolerance: 0.1 }).issues.some((i) => i.check === 'range'));
});

test('missing column is an error, extra column a warning, zero rows an error', () => {
  const noWind = csv(early);
  noWind.columns = noWind.columns.filter((c) => c.name !== 'wind');
  onlyError(noWind, 'missing_column', 'wind');

  const extra = validateTable(inject([], ',station'), schema);
  assert.equal(extra.ok, true);
  assert.deepEqual(extra.issues.map((i) => [i.check, i.severity, i.column]), [['unexpected_column', 'warning', 'station']]);

  const empty = validateTable(takeRows(reference, []), schema);
  assert.equal(empty.ok, false);
  assert.deepEqual(empty.issues.map((i) => i.check), ['row_count']);
});

test('formatReport gives a readable multi-line summary', () => {
  const text = formatReport(validateTable(inject([[5, 0, 'hail']], ',station'), schema));
  const lines = text.split('\n');
  assert.match(lines[0], /^Validation FAILED: 730 rows, 7 columns, 1 error, 1 warning$/);
  assert.ok(lines.some((l) => /ERROR category +column "weather"/.test(l)));
  assert.ok(lines.some((l) => /WARN +unexpected_column +column "station"/.test(l)));
  assert.ok(lines.some((l) => /date +date +nulls 0 +min 2014-01-01 +max 2015-12-31/.test(l)));
});
