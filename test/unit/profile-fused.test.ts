// The profile's fused work equals the separate passes it replaces: its encoder, and its counts on a skew reference's bins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profileTable, type AlsoCounted, type NumericStats } from '../../lib/data/profile.js';
import { encodeStrings } from '../../lib/data/profileEncoding.js';
import { encodeCategorical } from '../../lib/stats/dictionary.js';
import { countOnEdges } from '../../lib/stats/bins.js';
import { computeSkew, skewBinsWanted } from '../../lib/checks/skew.js';
import type { Table } from '../../lib/data/table.js';
import { mulberry32 as rng } from '../../lib/train/cv.js';
import { tricky } from './validation-tables.js';

test('encodeStrings gives the codes, dictionary, counts and nulls of encodeCategorical', () => {
  const r = rng(5);
  const columns: (string | null)[][] = tricky(20_000, 4).columns.flatMap((c) => (c.kind === 'categorical' ? [c.values] : []));
  // Many values sharing length, last and middle character (one cache slot), and a column of one repeated string.
  columns.push(Array.from({ length: 5_000 }, () => (r() < 0.1 ? null : `k${Math.floor(r() * 300)}_${'z'.repeat(Math.floor(r() * 3))}`)));
  columns.push(Array.from({ length: 100 }, () => ''), []);
  for (const values of columns) {
    const want = encodeCategorical(values);
    const got = encodeStrings(values);
    assert.deepEqual(got.dictionary, want.dictionary);
    assert.deepEqual(Array.from(got.codes), Array.from(want.codes));
    assert.deepEqual(Array.from(got.counts), Array.from(want.counts));
    assert.equal(got.nulls, want.nulls);
  }
});

/** Every numeric and date column of `tricky`, with reference bins wider, narrower, shifted, constant and far away. */
function referenceEdges(): (readonly number[])[] {
  return [
    [0, 25, 50, 75, 100],
    Array.from({ length: 33 }, (_, k) => -7.5 + k * 1.75),
    [42, 42],
    [7.25, 7.25],
    [1e12 + 2, 1e12 + 4, 1e12 + 6],
    [-1e9, 0, 1e9],
    [5, 6],
  ];
}

test('counts on other bins taken in the profile pass equal countOnEdges over the column; the profile is unchanged', () => {
  const table = tricky(30_000, 7, 2);
  const plain = JSON.stringify(profileTable(table));
  for (const edges of referenceEdges()) {
    const alsoCountOn = new Map<string, AlsoCounted>(table.columns.filter((c) => c.kind !== 'categorical').map((c) => [c.name, { edges }]));
    assert.equal(JSON.stringify(profileTable(table, { alsoCountOn })), plain);
    for (const c of table.columns) {
      if (c.kind === 'categorical') continue;
      assert.deepEqual(Array.from(alsoCountOn.get(c.name)?.counts ?? []), Array.from(countOnEdges(c.values, edges)), `${c.name} on ${edges.length - 1} bins from ${edges[0]}`);
    }
  }
});

test('skew from the counts the profile took equals skew from its own pass, and only the first column of a name is counted', () => {
  const reference = profileTable(tricky(10_000, 1));
  const current = tricky(20_000, 2, 3);
  const config = { ignore: ['empty'], columns: { when: { threshold: 0.2 } } };
  const counted = skewBinsWanted(reference, config);
  assert.ok(!counted.has('empty') && counted.has('when') && !counted.has('color'));
  const doubled: Table = { rows: current.rows, columns: [...current.columns, { name: 'cont', kind: 'numeric', values: current.columns[2].values as Float64Array }] };
  profileTable(doubled, { alsoCountOn: counted });
  const cont = reference.columns.find((c) => c.name === 'cont') as NumericStats;
  assert.deepEqual(Array.from(counted.get('cont')?.counts ?? []), Array.from(countOnEdges(current.columns[1].values as Float64Array, cont.histogram?.edges ?? [])));
  assert.deepEqual(computeSkew(reference, current, config, { counted }), computeSkew(reference, current, config));
});
