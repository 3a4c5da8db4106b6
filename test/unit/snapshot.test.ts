// Tests for Arrow IPC snapshots: exact round trips (kinds, missing values, dates, column order) and bad bytes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../lib/data/csv.js';
import { DataError } from '../../lib/data/errors.js';
import { decodeSnapshot, encodeSnapshot } from '../../lib/data/snapshot.js';
import type { Table } from '../../lib/data/table.js';

const DATA = new URL('../../node_modules/vega-datasets/data/', import.meta.url);

/** Deep equality that treats NaN as equal to NaN and checks typed-array classes. */
function assertSameTable(actual: Table, expected: Table): void {
  assert.equal(actual.rows, expected.rows);
  assert.deepEqual(
    actual.columns.map((c) => [c.name, c.kind]),
    expected.columns.map((c) => [c.name, c.kind]),
  );
  actual.columns.forEach((c, i) => {
    const e = expected.columns[i];
    if (c.kind === 'categorical') {
      assert.ok(Array.isArray(c.values));
      assert.deepEqual(c.values, e.values);
    } else {
      assert.ok(c.values instanceof Float64Array, `${c.name} is a Float64Array`);
      assert.deepEqual(Array.from(c.values), Array.from(e.values as Float64Array)); // deepEqual: NaN equals NaN
    }
  });
}

test('a small table with missing values in every kind round-trips exactly', () => {
  const table: Table = {
    rows: 4,
    columns: [
      { name: 'z_last_alphabetically', kind: 'numeric', values: Float64Array.from([1.5, NaN, -0.25, 1e300]) },
      { name: 'when', kind: 'date', values: Float64Array.from([Date.UTC(2012, 0, 1), NaN, -86_400_000, Date.UTC(2015, 11, 31, 23, 59, 59, 999)]) },
      { name: 'label', kind: 'categorical', values: ['a', null, 'b', 'a'] },
      { name: 'dense', kind: 'numeric', values: Float64Array.from([0, 1, 2, 3]) },
      { name: 'empty', kind: 'categorical', values: [null, null, null, null] },
    ],
  };
  const bytes = encodeSnapshot(table);
  assert.ok(bytes instanceof Uint8Array);
  assertSameTable(decodeSnapshot(bytes), table);
});

test('zero rows keep their columns and kinds', () => {
  const table: Table = {
    rows: 0,
    columns: [
      { name: 'x', kind: 'numeric', values: new Float64Array(0) },
      { name: 'd', kind: 'date', values: new Float64Array(0) },
      { name: 'c', kind: 'categorical', values: [] },
    ],
  };
  assertSameTable(decodeSnapshot(encodeSnapshot(table)), table);
});

test('seattle-weather round-trips exactly and is compact', () => {
  const table = parseCsv(readFileSync(new URL('seattle-weather.csv', DATA), 'utf8'), 'seattle-weather.csv');
  const bytes = encodeSnapshot(table);
  assertSameTable(decodeSnapshot(bytes), table);
  assert.ok(bytes.length < 1461 * 6 * 8 + 4096, `${bytes.length} bytes`);
});

test('foreign Arrow files decode (flights-200k.arrow)', () => {
  const t = decodeSnapshot(new Uint8Array(readFileSync(new URL('flights-200k.arrow', DATA))), 'flights-200k.arrow');
  assert.ok(t.rows > 100_000);
  assert.ok(t.columns.length > 0);
  for (const c of t.columns) assert.equal(c.values.length, t.rows);
});

test('bad input: garbage bytes, no columns, ragged columns', () => {
  assert.throws(() => decodeSnapshot(Uint8Array.from([1, 2, 3, 4, 5]), 'junk.arrow'), (err: unknown) =>
    err instanceof DataError && /junk\.arrow/.test(err.message));
  assert.throws(() => encodeSnapshot({ rows: 3, columns: [] }), DataError);
  assert.throws(
    () => encodeSnapshot({ rows: 3, columns: [{ name: 'x', kind: 'numeric', values: new Float64Array(2) }] }),
    (err: unknown) => err instanceof DataError && /column "x" has 2 values, table has 3 rows/.test(err.message),
  );
});
