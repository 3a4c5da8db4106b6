// Tests for declarative expectations: every kind passes and fails, with failing rows, samples and readable messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Table } from '../../lib/data/table.js';
import { profileTable } from '../../lib/data/profile.js';
import { evaluateExpectations, expectationSchema, expectationsSchema, type Expectation, type ExpectationResult } from '../../lib/checks/expectations.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 5, 1);

/** Eight rows with a few planted faults (row numbers are 1-based in results). */
const table: Table = {
  rows: 8,
  columns: [
    { name: 'id', kind: 'numeric', values: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 7]) },
    { name: 'age', kind: 'numeric', values: Float64Array.from([30, 40, NaN, 25, 130, -1, 50, 60]) },
    { name: 'country', kind: 'categorical', values: ['US', 'FR', 'DE', 'US', null, 'XX', 'FR', 'US'] },
    { name: 'code', kind: 'categorical', values: ['AB12', 'CD34', 'ef56', 'GH78', 'IJ90', 'KL12', 'MN34', null] },
    { name: 'when', kind: 'date', values: Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7].map((d) => T0 + d * DAY)) },
    { name: 'score', kind: 'numeric', values: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
  ],
};

function one(e: Expectation, t: Table = table): ExpectationResult {
  const [result] = evaluateExpectations(t, [expectationSchema.parse(e)], { now: T0 + 10 * DAY });
  return result;
}

function fails(e: Expectation, rows: number[]): ExpectationResult {
  const r = one(e);
  assert.equal(r.passed, false, r.message);
  assert.equal(r.failingRows, rows.length, r.message);
  assert.deepEqual(r.sampleRows.map((s) => s.row), rows.slice(0, 5));
  assert.equal(r.failingRowMask?.reduce((a, b) => a + b, 0), rows.length);
  return r;
}

function passes(e: Expectation): ExpectationResult {
  const r = one(e);
  assert.equal(r.passed, true, r.message);
  assert.equal(r.failingRows, 0);
  assert.deepEqual(r.sampleRows, []);
  return r;
}

test('notNull: any missing value fails unless within maxNullFraction', () => {
  const r = fails({ expect: 'notNull', column: 'age' }, [3]);
  assert.equal(r.message, 'column "age": 1 of 8 values missing (12.5%), more than the 0% allowed');
  assert.equal(r.sampleRows[0].values.age, null);
  assert.equal(r.observed, 0.125);
  fails({ expect: 'notNull', column: 'country' }, [5]);
  const within = one({ expect: 'notNull', column: 'age', maxNullFraction: 0.2 });
  assert.deepEqual([within.passed, within.failingRows, within.sampleRows], [true, 1, []], 'missing rows are counted, the check passes');
  assert.equal(within.message, 'column "age": 1 of 8 values missing (12.5%), within the 20% allowed');
  passes({ expect: 'notNull', column: 'id' });
});

test('type: the kind must match; text that does not read as a number is counted', () => {
  passes({ expect: 'type', column: 'age', kind: 'numeric' });
  const r = fails({ expect: 'type', column: 'country', kind: 'numeric' }, [1, 2, 3, 4, 6, 7, 8]);
  assert.match(r.message, /column "country": expected numeric, found categorical: 7 of 8 values are not numbers \(e\.g\. "US", "FR", "DE"\)/);
  assert.equal(r.observed, 'categorical');
});

test('range: values outside [min, max] fail (missing values do not); dates take ISO bounds', () => {
  const r = fails({ expect: 'range', column: 'age', min: 0, max: 120 }, [5, 6]);
  assert.equal(r.message, 'column "age": 2 of 8 values outside [0, 120] (e.g. 130, -1)');
  assert.deepEqual(Object.keys(r.sampleRows[0].values).slice(0, 2), ['age', 'id'], 'checked column first, then context');
  assert.equal(r.sampleRows[0].values.age, 130);
  passes({ expect: 'range', column: 'age', min: -5 , max: 200 });
  fails({ expect: 'range', column: 'age', max: 50 }, [5, 8]);
  fails({ expect: 'range', column: 'when', min: '2024-06-03' }, [1, 2]);
  const d = fails({ expect: 'range', column: 'when', max: '2024-06-07' }, [8]);
  assert.equal(d.sampleRows[0].values.when, '2024-06-08T00:00:00.000Z');
});

test('allowedSet: values outside the set fail (text and numbers)', () => {
  const r = fails({ expect: 'allowedSet', column: 'country', values: ['US', 'FR', 'DE'] }, [6]);
  assert.match(r.message, /1 of 8 values not in the allowed set \(e\.g\. "XX"\)/);
  passes({ expect: 'allowedSet', column: 'country', values: ['US', 'FR', 'DE', 'XX'] });
  fails({ expect: 'allowedSet', column: 'id', values: [1, 2, 3] }, [4, 5, 6, 7, 8]);
  passes({ expect: 'allowedSet', column: 'id', values: [1, 2, 3, 4, 5, 6, 7] });
});

test('unique and uniqueCombination: every row of a duplicated value fails', () => {
  const r = fails({ expect: 'unique', column: 'id' }, [7, 8]);
  assert.equal(r.message, 'column "id": 2 rows share 1 duplicated values (e.g. 7)');
  fails({ expect: 'unique', column: 'country' }, [1, 2, 4, 7, 8]);
  passes({ expect: 'unique', column: 'code' });
  passes({ expect: 'uniqueCombination', columns: ['id', 'country'] });
  const pairs: Table = {
    rows: 8,
    columns: [
      { name: 'a', kind: 'categorical', values: ['x', 'x', 'y', 'y', null, null, null, null] },
      { name: 'b', kind: 'numeric', values: Float64Array.from([1, 1, 1, 2, NaN, NaN, 3, 3]) },
    ],
  };
  const c = one({ expect: 'uniqueCombination', columns: ['a', 'b'] }, pairs);
  assert.equal(c.passed, false);
  assert.equal(c.failingRows, 4, 'rows 1–2 (x, 1) and 7–8 (null, 3); rows 5–6 miss every value and take no part');
  assert.deepEqual(c.sampleRows.map((r) => r.row), [1, 2, 7, 8]);
  assert.equal(c.message, 'columns "a", "b": 4 rows share 2 duplicated combinations');
  assert.equal(one({ expect: 'uniqueCombination', columns: ['a', 'b'] }, { rows: 6, columns: pairs.columns.map((col) => ({ ...col, values: col.values.slice(2, 8) }) as typeof col) }).failingRows, 2);
});

test('pattern: values not matching the regex fail; a regex that does not compile is a failed result', () => {
  const r = fails({ expect: 'pattern', column: 'code', regex: '^[A-Z]{2}\\d{2}$' }, [3]);
  assert.match(r.message, /1 of 8 values do not match \/\^\[A-Z\]\{2\}\\d\{2\}\$\/ \(e\.g\. "ef56"\)/);
  passes({ expect: 'pattern', column: 'code', regex: '^[a-z]{2}\\d{2}$', flags: 'i' });
  const bad = one({ expect: 'pattern', column: 'code', regex: '([A-Z' });
  assert.equal(bad.passed, false);
  assert.match(bad.message, /^bad expectation pattern:code: regex \/\(\[A-Z\/ does not compile/);
});

test('rowCount, freshness, meanBetween, stdBetween: table-level checks with the observed value', () => {
  assert.equal(passes({ expect: 'rowCount', min: 1, max: 10 }).observed, 8);
  assert.equal(one({ expect: 'rowCount', min: 10 }).message, '8 rows, expected at least 10');
  const fresh = passes({ expect: 'freshness', column: 'when', maxAgeDays: 3 });
  assert.equal(fresh.observed, '2024-06-08T00:00:00.000Z');
  const stale = one({ expect: 'freshness', column: 'when', maxAgeDays: 2, now: '2024-06-30' });
  assert.equal(stale.passed, false);
  assert.match(stale.message, /latest value 2024-06-08T00:00:00.000Z is 22 days old, more than 2/);
  assert.equal(passes({ expect: 'meanBetween', column: 'score', min: 4, max: 5 }).observed, 4.5);
  assert.equal(one({ expect: 'meanBetween', column: 'score', max: 4 }).message, 'column "score": mean 4.5 outside at most 4');
  const std = one({ expect: 'stdBetween', column: 'score', min: 3 });
  assert.equal(std.passed, false);
  assert.ok(Math.abs((std.observed as number) - Math.sqrt(6)) < 1e-12);
  passes({ expect: 'stdBetween', column: 'score', min: 2, max: 3 });
});

test('a malformed expectation fails with a clear message instead of throwing', () => {
  const missing = one({ expect: 'range', column: 'height', min: 0 });
  assert.equal(missing.passed, false);
  assert.match(missing.message, /column "height" not found \(have: "id", "age", "country", "code", "when", "score"\)/);
  assert.match(one({ expect: 'meanBetween', column: 'country', min: 0 }).message, /needs a numeric column; column "country" is categorical/);
  assert.match(one({ expect: 'freshness', column: 'age', maxAgeDays: 1 }).message, /freshness needs a date column/);
  assert.match(one({ expect: 'range', column: 'when', min: 'yesterday' }).message, /bound "yesterday" is not an ISO-8601 date/);
});

test('ids, severity, and what goes into JSON', () => {
  const results = evaluateExpectations(table, [
    { expect: 'notNull', column: 'age', severity: 'warning' },
    { expect: 'notNull', column: 'age', maxNullFraction: 0.5 },
    { expect: 'rowCount', min: 1, id: 'enough-rows' },
  ]);
  assert.deepEqual(results.map((r) => [r.id, r.severity, r.passed]), [
    ['notNull:age', 'warning', false], ['notNull:age#2', 'error', true], ['enough-rows', 'error', true],
  ]);
  const json = JSON.parse(JSON.stringify(results[0])) as Record<string, unknown>;
  assert.equal('failingRowMask' in json, false, 'the mask never reaches JSON');
  assert.deepEqual(json.sampleRows, [{ row: 3, values: { age: null, id: 3, country: 'DE', code: 'ef56', when: '2024-06-03T00:00:00.000Z', score: 3 } }]);
});

test('the zod schema names mistakes in a pipeline definition', () => {
  assert.equal(expectationsSchema.safeParse([{ expect: 'unique', column: 'id' }, { expect: 'rowCount', max: 5 }]).success, true);
  const noBounds = expectationSchema.safeParse({ expect: 'range', column: 'age' });
  assert.equal(noBounds.success, false);
  assert.match(JSON.stringify(noBounds.error?.issues), /give min, max or both/);
  assert.equal(expectationSchema.safeParse({ expect: 'range', column: 'age', min: 5, max: 1 }).success, false);
  assert.equal(expectationSchema.safeParse({ expect: 'sorted', column: 'age' }).success, false);
  assert.equal(expectationSchema.safeParse({ expect: 'unique', column: 'id', extra: 1 }).success, false);
  assert.equal(expectationSchema.safeParse({ expect: 'pattern', column: 'x', regex: 'a', flags: 'g' }).success, false);
});

test('results are the same whether or not a profile spares passes over the data', () => {
  const all = expectationsSchema.parse([
    { expect: 'notNull', column: 'age' }, { expect: 'notNull', column: 'country', maxNullFraction: 0.5 },
    { expect: 'range', column: 'age', min: 0, max: 120 }, { expect: 'range', column: 'score', min: 0, max: 10 },
    { expect: 'allowedSet', column: 'id', values: [1, 2, 3] }, { expect: 'unique', column: 'id' },
    { expect: 'uniqueCombination', columns: ['id', 'score'] }, { expect: 'freshness', column: 'when', maxAgeDays: 5 },
    { expect: 'meanBetween', column: 'age', min: 40 }, { expect: 'stdBetween', column: 'score', max: 1 },
  ]);
  const options = { now: T0 + 10 * DAY };
  const plain = evaluateExpectations(table, all, options);
  const withProfile = evaluateExpectations(table, all, { ...options, profile: profileTable(table) });
  assert.deepEqual(JSON.parse(JSON.stringify(withProfile)), JSON.parse(JSON.stringify(plain)));
  assert.deepEqual(plain.map((r) => r.passed), [false, true, false, true, false, false, true, true, true, false]);
});
