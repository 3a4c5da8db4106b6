// Tests for skew against a reference profile: identical → 0, disjoint → 1, unseen categories, thresholds and severity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Table } from '../../lib/data/table.js';
import { profileTable } from '../../lib/data/profile.js';
import { computeSkew, skewConfigSchema, type SkewResult } from '../../lib/checks/skew.js';
import { mulberry32 as rng } from '../../lib/train/cv.js';

function make(n: number, seed: number, shift = 0, colors = ['red', 'green', 'blue']): Table {
  const r = rng(seed);
  return {
    rows: n,
    columns: [
      { name: 'x', kind: 'numeric', values: Float64Array.from({ length: n }, () => (r() < 0.02 ? NaN : r() * 10 + shift)) },
      { name: 'color', kind: 'categorical', values: Array.from({ length: n }, () => (r() < 0.02 ? null : colors[Math.floor(r() * colors.length)])) },
      { name: 'when', kind: 'date', values: Float64Array.from({ length: n }, () => Date.UTC(2024, 0, 1) + Math.floor(r() * 365) * 86_400_000) },
    ],
  };
}

const byColumn = (results: SkewResult[]) => Object.fromEntries(results.map((r) => [r.column, r]));

test('date columns are left out unless a threshold is given for them (new data is always later)', () => {
  const reference = profileTable(make(5_000, 1));
  const later = make(5_000, 2, 0);
  const shifted = { ...later, columns: later.columns.map((c) => (c.name === 'when' ? { ...c, values: (c.values as Float64Array).map((v) => v + 400 * 86_400_000) } : c)) } as Table;
  assert.deepEqual(computeSkew(reference, shifted).map((r) => r.column), ['x', 'color']);
  const judged = byColumn(computeSkew(reference, shifted, { columns: { when: { threshold: 0.1 } } }));
  assert.equal(judged.when.passed, false);
});

test('the same data has distance 0 on every column, from a table or from its profile', () => {
  const table = make(20_000, 1);
  const reference = profileTable(table);
  const withDates = { columns: { when: { threshold: 0.1 } } };
  for (const results of [computeSkew(reference, table, withDates), computeSkew(reference, profileTable(table), withDates)]) {
    assert.deepEqual(results.map((r) => [r.column, r.measure, r.distance, r.passed]), [
      ['x', 'jensen_shannon', 0, true], ['color', 'l_infinity', 0, true], ['when', 'jensen_shannon', 0, true],
    ]);
    assert.ok(results.every((r) => r.approximate === undefined));
  }
});

test('disjoint numeric ranges have Jensen–Shannon distance 1; a category swap has L-infinity 1', () => {
  const reference = profileTable(make(5_000, 2, 0, ['a']));
  const moved = make(5_000, 3, 100, ['b']);
  const s = byColumn(computeSkew(reference, moved));
  assert.equal(s.x.distance, 1);
  assert.equal(s.x.passed, false);
  assert.match(s.x.message, /^column "x": Jensen–Shannon distance 1 > 0\.1 \(100% of current values outside the reference range \[/);
  assert.equal(s.color.distance, 1);
  assert.equal(s.x.severity, 'warning', 'skew is a warning unless configured otherwise');
  const approx = byColumn(computeSkew(reference, profileTable(moved)));
  assert.equal(approx.x.distance, 1);
  assert.equal(approx.x.approximate, true, 'different bins: re-binned from the current profile');
});

test('a similar sample stays under the default thresholds', () => {
  const s = byColumn(computeSkew(profileTable(make(50_000, 4)), make(50_000, 5)));
  assert.ok((s.x.distance as number) < 0.05 && s.x.passed, s.x.message);
  assert.ok((s.color.distance as number) < 0.02 && s.color.passed, s.color.message);
});

test('unseen categories are named; the largest change is shown', () => {
  const reference = profileTable(make(10_000, 6, 0, ['red', 'green']));
  const current = make(10_000, 7, 0, ['red', 'green', 'purple', '<b>teal</b>']);
  const s = byColumn(computeSkew(reference, current)).color;
  assert.equal(s.passed, false);
  assert.deepEqual([...(s.unseenCategories ?? [])].sort(), ['<b>teal</b>', 'purple']);
  assert.match(s.message, /2 categories unseen in the reference: "(purple|<b>teal<\/b>)", "(purple|<b>teal<\/b>)"/);
  assert.match(s.message, /largest change: "[^"]+" \d+(\.\d+)?% → \d+(\.\d+)?%/);
  assert.ok(s.bins.labels.includes('purple'));
});

test('per-column thresholds and severities; ignored columns; a threshold for an unknown column is reported', () => {
  const reference = profileTable(make(10_000, 8));
  const current = make(10_000, 9, 1.5);
  const config = {
    severity: 'error' as const,
    columns: { x: { threshold: 0.9, severity: 'warning' as const }, color: { threshold: 0 }, nope: { threshold: 0.2 } },
    ignore: ['when'],
  };
  const s = byColumn(computeSkew(reference, current, config));
  assert.deepEqual(Object.keys(s).sort(), ['color', 'nope', 'x']);
  assert.deepEqual([s.x.threshold, s.x.passed, s.x.severity], [0.9, true, 'warning']);
  assert.deepEqual([s.color.threshold, s.color.passed, s.color.severity], [0, false, 'error']);
  assert.deepEqual([s.nope.passed, s.nope.severity], [false, 'error']);
  assert.match(s.nope.message, /column "nope", which is not in the reference profile/);
  const strict = byColumn(computeSkew(reference, current, { defaultNumericJs: 0.05 }));
  assert.equal(strict.x.passed, false);
  assert.ok((strict.x.distance as number) > 0.05);
  assert.equal(skewConfigSchema.safeParse({ defaultNumericJs: 1.5 }).success, false);
  assert.equal(skewConfigSchema.safeParse({ columns: { x: { threshold: 0.1, severity: 'fatal' } } }).success, false);
});

test('a side without values fails with a message; retyped or missing columns are left to the schema check', () => {
  const reference = profileTable(make(1_000, 10));
  const empty: Table = { rows: 3, columns: [{ name: 'x', kind: 'numeric', values: Float64Array.from([NaN, NaN, NaN]) }, { name: 'color', kind: 'numeric', values: new Float64Array(3) }] };
  const s = byColumn(computeSkew(reference, empty));
  assert.deepEqual(Object.keys(s), ['x']);
  assert.equal(s.x.distance, null);
  assert.equal(s.x.message, 'column "x": no values on the current side to compare');
});

test('a reference column with no finite values against a table: a failed check with a message, not a crash', () => {
  const refTable: Table = { rows: 3, columns: [{ name: 'x', kind: 'numeric', values: Float64Array.from([NaN, NaN, NaN]) }] };
  const current: Table = { rows: 3, columns: [{ name: 'x', kind: 'numeric', values: Float64Array.from([1, 2, NaN]) }] };
  const s = byColumn(computeSkew(profileTable(refTable), current));
  assert.equal(s.x.passed, false);
  assert.match(s.x.message, /column "x"/);
  assert.deepEqual(s.x.bins?.labels, ['any value (the reference has no finite values)']);
});
