// Tests for runValidation: severity, schema changes, quarantine below and above the fraction, the CLI summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Table } from '../../lib/data/table.js';
import { inferSchema, parseDataSchema, SchemaFormatError } from '../../lib/checks/schema.js';
import { schemaChanges } from '../../lib/checks/schemaChanges.js';
import { formatValidationSummary, runValidation } from '../../lib/checks/suite.js';
import { profileTable } from '../../lib/data/profile.js';

/** 100 rows: age in [20, 69], plan in {free, pro}. */
function clean(n = 100): Table {
  return {
    rows: n,
    columns: [
      { name: 'age', kind: 'numeric', values: Float64Array.from({ length: n }, (_, i) => 20 + (i % 50)) },
      { name: 'plan', kind: 'categorical', values: Array.from({ length: n }, (_, i) => (i % 3 ? 'free' : 'pro')) },
    ],
  };
}

/** The clean table with bad ages in the given rows (0-based) and one unknown plan in row 50. */
function dirty(badAges: number[]): Table {
  const t = clean();
  const age = t.columns[0].values as Float64Array;
  for (const i of badAges) age[i] = -5;
  (t.columns[1].values as (string | null)[])[50] = 'gold';
  return t;
}

const schema = inferSchema(clean());
const expectations = [
  { expect: 'range' as const, column: 'age', min: 0, max: 120 },
  { expect: 'allowedSet' as const, column: 'plan', values: ['free', 'pro'] },
  { expect: 'rowCount' as const, min: 10 },
];

test('clean data passes; errors make ok false, warnings do not', () => {
  const ok = runValidation({ table: clean(), schema, expectations, sourceName: 'clean.csv' });
  assert.equal(ok.report.ok, true);
  assert.deepEqual(ok.report.counts, { errors: 0, warnings: 0, passed: 3 });
  assert.equal(ok.report.quarantine, null);
  assert.equal(ok.quarantinedRows, undefined);
  const warned = runValidation({ table: dirty([3]), schema: null, sourceName: 'w.csv', expectations: expectations.map((e) => ({ ...e, severity: 'warning' as const })) });
  assert.equal(warned.report.ok, true);
  assert.deepEqual(warned.report.counts, { errors: 0, warnings: 2, passed: 1 });
  const failed = runValidation({ table: dirty([3]), schema, expectations, sourceName: 'd.csv' });
  assert.equal(failed.report.ok, false);
  assert.deepEqual(failed.report.schema?.issues.map((i) => [i.check, i.column]), [['range', 'age'], ['category', 'plan']]);
  assert.equal(failed.report.counts.errors, 4);
  assert.deepEqual(JSON.parse(JSON.stringify(failed.report)).profile, failed.report.profile, 'the report is plain JSON');
});

test('quarantine below the fraction: failing rows set aside, their checks become warnings', () => {
  const out = runValidation({ table: dirty([3, 77]), schema, expectations, sourceName: 'd.csv', quarantine: { maxFraction: 0.05 } });
  assert.equal(out.report.ok, true);
  assert.deepEqual(Array.from(out.quarantinedRows ?? []), [3, 50, 77]);
  assert.equal(out.keptRows?.length, 97);
  assert.equal(out.keptRows?.[3], 4);
  assert.deepEqual(out.report.quarantine, {
    applied: true, rows: 3, fraction: 0.03, maxFraction: 0.05,
    checks: ['schema:range:age', 'schema:category:plan', 'range:age', 'allowedSet:plan'],
  });
  assert.ok(out.report.expectations.filter((e) => !e.passed).every((e) => e.severity === 'warning' && e.quarantined));
  assert.ok(out.report.schema?.issues.every((i) => i.severity === 'warning' && i.quarantined));
  assert.match(out.report.expectations[0].message, /; failing rows quarantined$/);
  assert.deepEqual(out.report.counts, { errors: 0, warnings: 4, passed: 1 });
});

test('quarantine above the fraction: nothing set aside, errors stay errors', () => {
  const out = runValidation({ table: dirty([1, 2, 3, 4, 5, 6]), schema, expectations, sourceName: 'd.csv', quarantine: { maxFraction: 0.05 } });
  assert.equal(out.report.ok, false);
  assert.equal(out.quarantinedRows, undefined);
  assert.deepEqual([out.report.quarantine?.applied, out.report.quarantine?.rows, out.report.quarantine?.fraction], [false, 7, 0.07]);
  assert.ok(out.report.expectations.filter((e) => !e.passed).every((e) => e.severity === 'error' && !e.quarantined));
});

test('a table-level error is not quarantined away', () => {
  const out = runValidation({ table: dirty([3]), schema, sourceName: 'd.csv', quarantine: { maxFraction: 0.5 }, expectations: [...expectations, { expect: 'rowCount', min: 1000 }] });
  assert.equal(out.report.quarantine?.applied, true);
  assert.equal(out.report.ok, false, 'rowCount still fails the run');
  assert.match(formatValidationSummary(out.report), /ERROR rowCount#2 +100 rows, expected at least 1000/);
});

test('schema changes: missing and retyped columns are errors, new columns warnings', () => {
  const t = clean();
  const changed: Table = { rows: t.rows, columns: [{ name: 'age', kind: 'categorical', values: Array.from({ length: t.rows }, () => 'old') }, { name: 'city', kind: 'categorical', values: Array.from({ length: t.rows }, () => 'x') }] };
  const expected = [
    ['retyped_column', 'age', 'error'],
    ['missing_column', 'plan', 'error'],
    ['new_column', 'city', 'warning'],
  ];
  assert.deepEqual(schemaChanges(schema, changed).map((c) => [c.change, c.column, c.severity]), expected);
  const report = runValidation({ table: changed, schema, sourceName: 'c.csv' }).report;
  assert.deepEqual(report.schema?.changes.map((c) => [c.change, c.column, c.severity]), expected);
  assert.equal(report.ok, false);
  assert.equal(schemaChanges(schema, inferSchema(changed)).length, 3, 'two schema documents compare the same way');
});

test('a schema document round-trips as JSON; mistakes and other format versions are named', () => {
  assert.deepEqual(parseDataSchema(JSON.parse(JSON.stringify(schema))), schema);
  assert.throws(() => parseDataSchema({ version: 2, columns: [] }, 'schema.json'), /schema.json: schema format version 2 is not supported \(this mlcycle reads version 1\)/);
  assert.throws(
    () => parseDataSchema({ version: 1, columns: [{ name: 'a', kind: 'numeric', nullable: false, min: 5, max: 1 }, { name: 'a', kind: 'text', nullable: true }] }),
    (err: Error) => err instanceof SchemaFormatError && /columns\.0\.min: min 5 is above max 1/.test(err.message) && /columns\.1\.kind/.test(err.message),
  );
});

test('skew from a reference profile is part of the report; the summary lists failed checks', () => {
  const reference = profileTable(clean());
  const shifted = clean();
  (shifted.columns[0].values as Float64Array).forEach((v, i, a) => (a[i] = v + 40));
  const out = runValidation({ table: shifted, sourceName: 'shifted.csv', skew: { reference, config: { columns: { age: { threshold: 0.2, severity: 'error' } } } } });
  assert.equal(out.report.ok, false);
  assert.deepEqual(out.report.skew.map((s) => [s.column, s.passed]), [['age', false], ['plan', true]]);
  const text = formatValidationSummary(out.report);
  assert.match(text.split('\n')[0], /^Validation FAILED for shifted\.csv: 100 rows × 2 columns; 1 error, 0 warnings, 1 passed$/);
  assert.match(text, /ERROR skew:age +column "age": Jensen–Shannon distance/);
  const soft = runValidation({ table: shifted, sourceName: 's.csv', referenceProfile: reference });
  assert.equal(soft.report.ok, true, 'default skew config: warnings only');
  assert.equal(soft.report.counts.warnings, 1);
});
