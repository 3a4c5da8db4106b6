// The exact drift path's parts against plain definitions: radix sort vs the built-in sort, the merge walk vs scipy's formulas, cell counts, prepared reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Table } from '../../lib/data/table.js';
import { sortedFinite, sortFiniteInto, sortScratch } from '../../lib/stats/radixSort.js';
import { ksAndWasserstein, ksAndWassersteinByRuns } from '../../lib/stats/exactWalk.js';
import { cellCountsOfSorted, cellOf } from '../../lib/stats/driftCells.js';
import { driftExact, driftExactPrepared, prepareExactReference } from '../../lib/stats/driftSuite.js';

function random(seed: number): () => number {
  let x = seed;
  return () => (x = (16807 * x) % (2 ** 31 - 1)) / (2 ** 31 - 1);
}
const normal = (next: () => number) => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
function column(n: number, seed: number, f: (next: () => number, i: number) => number): Float64Array {
  const next = random(seed);
  return Float64Array.from({ length: n }, (_, i) => f(next, i));
}
const builtin = (v: Float64Array) => v.filter((x) => Number.isFinite(x)).sort();
function assertSameOrder(got: Float64Array, want: Float64Array, what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}: at ${i} ${got[i]} vs ${want[i]}`);
}

const SHAPES: [string, (next: () => number, i: number) => number][] = [
  ['normal', (next) => normal(next)],
  ['rounded (ties)', (next) => Math.round(normal(next) * 100) / 100],
  ['lognormal', (next) => Math.exp(3 * normal(next))],
  ['epoch milliseconds', (next) => 1.7e12 + Math.floor(next() * 864e5)],
  // Clusters that share their high 32 bits and differ below: many long runs, finished by the built-in sort.
  ['clustered below the high word', (next) => 1 + Math.floor(next() * 64) + next() * 1e-9],
  ['signed zeros, non-finite, negatives', (next, i) => (i % 7 === 0 ? [NaN, Infinity, -Infinity, -0, 0][i % 5] : -Math.floor(next() * 50) / 4)],
  ['constant', () => 42.5],
  // Whole numbers in a narrow range take the counting sort; with a −0 among them, the radix path.
  ['whole minutes, negatives, NaN', (next, i) => (i % 11 === 0 ? NaN : Math.round(normal(next) * 30) - 5)],
  ['whole counts with one −0', (next, i) => (i === 3 ? -0 : Math.floor(next() * 40))],
  ['whole numbers, wide range', (next) => Math.floor(next() * 1e9) - 5e8],
  ['constant whole', () => 7],
  ['subnormals and huge', (next) => (next() < 0.5 ? next() * 5e-324 * 1e5 : (next() - 0.5) * 1e300)],
  ['±0, ±Infinity, NaN, ±subnormals, ±max among normals', (next, i) => [-0, 0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 2.2e-308, -Number.MAX_VALUE, Number.MAX_VALUE][i % 13] ?? normal(next)],
  ['ascending', (_, i) => i * 0.37 - 500],
  ['descending', (_, i) => 1e4 - i * 1.5],
];

test('radix sort orders finite values exactly as the built-in sort (−0 before +0), reusing scratch', () => {
  const scratch = sortScratch(60_000);
  SHAPES.forEach(([name, f], k) => {
    for (const n of [1, 2, 17, 5_000, 60_000]) {
      const values = column(n, 48271 + k, f);
      const want = builtin(values);
      assertSameOrder(sortedFinite(values), want, `${name}, ${n}`);
      assertSameOrder(sortFiniteInto(values, scratch), want, `${name}, ${n}, into scratch`);
    }
  });
  assert.throws(() => sortFiniteInto(new Float64Array(10), sortScratch(5)), RangeError);
});

/** scipy's definitions: CDFs by searchsorted(side='right') at every value of the merged sample. */
function plain(x: Float64Array, y: Float64Array): { ksStatistic: number; wasserstein: number } {
  const all = Float64Array.from([...x, ...y]).sort();
  const right = (s: Float64Array, v: number) => s.filter((t) => t <= v).length;
  let d = 0;
  let area = 0;
  for (let k = 0; k < all.length; k++) {
    const gap = Math.abs(right(x, all[k]) / x.length - right(y, all[k]) / y.length);
    d = Math.max(d, gap);
    if (k + 1 < all.length) area += gap * (all[k + 1] - all[k]);
  }
  return { ksStatistic: d, wasserstein: area };
}

test('one merge walk gives scipy’s KS statistic (bit for bit) and Wasserstein distance, ties included', () => {
  for (let t = 0; t < 300; t++) {
    const levels = t % 3 === 0 ? 4 : t % 3 === 1 ? 50 : 0;
    const f = (next: () => number) => (levels ? Math.floor(next() * levels) : normal(next));
    const x = sortedFinite(column(1 + (t % 41), 100 + t, f));
    const y = sortedFinite(column(1 + (t % 29), 900 + t, (next) => f(next) + (t % 5) * 0.1));
    const want = plain(x, y);
    for (const [walk, got] of [['value by value', ksAndWasserstein(x, y)], ['run by run', ksAndWassersteinByRuns(x, y)]] as const) {
      assert.equal(got.ksStatistic, want.ksStatistic, `case ${t} KS, ${walk}`);
      assert.ok(Math.abs(got.wasserstein - want.wasserstein) <= 1e-12 * Math.max(1, want.wasserstein), `case ${t} Wasserstein ${got.wasserstein} vs ${want.wasserstein}, ${walk}`);
    }
  }
});

test('long columns: the walk goes run by run when ties are many, with the same KS and Wasserstein as value by value', () => {
  for (const [name, f] of [['whole minutes', (next: () => number) => Math.round(normal(next) * 30)], ['60% zeros', (next: () => number) => (next() < 0.6 ? 0 : Math.exp(normal(next)))], ['normal', normal]] as const) {
    const x = sortedFinite(column(30_000, 5, f));
    const y = sortedFinite(column(20_000, 6, (next) => f(next) * 1.05));
    const runs = ksAndWassersteinByRuns(x, y);
    const got = ksAndWasserstein(x, y);
    assert.equal(got.ksStatistic, runs.ksStatistic, `${name} KS`);
    assert.ok(Math.abs(got.wasserstein - runs.wasserstein) <= 1e-12 * Math.max(1, runs.wasserstein), `${name} Wasserstein`);
  }
});

test('cell counts by binary search equal counting each value into its cell; tail sums', () => {
  const edges = [-1, -0.5, 0, 0.25, 2];
  const values = sortedFinite(column(5_000, 7, (next) => Math.round(normal(next) * 8) / 4));
  const { counts, belowSum, aboveSum } = cellCountsOfSorted(values, edges);
  const want = new Float64Array(2 * edges.length + 1);
  let below = 0;
  let above = 0;
  for (const v of values) {
    const c = cellOf(edges, v);
    want[c]++;
    if (c === 0) below += v;
    if (c === 2 * edges.length) above += v;
  }
  assert.deepEqual(counts, want);
  assert.equal(belowSum, below);
  assert.equal(aboveSum, above);
});

test('a prepared reference gives driftExact’s result for every window (windows of several sizes)', () => {
  const table = (n: number, seed: number, shift: number): Table => ({
    rows: n,
    columns: [
      { name: 'x', kind: 'numeric', values: column(n, seed, (next) => normal(next) + shift) },
      { name: 'k', kind: 'numeric', values: column(n, seed + 1, (next, i) => (i % 50 === 0 ? NaN : Math.floor(next() * 3))) },
      { name: 'c', kind: 'categorical', values: Array.from(column(n, seed + 2, (next) => next()), (u) => (u < 0.5 ? 'a' : u < 0.9 ? 'b' : 'z')) },
    ],
  });
  const reference = table(20_000, 48271, 0);
  const features = { numeric: ['x', 'k'], categorical: ['c'] };
  const prepared = prepareExactReference(reference, features);
  for (const [n, seed, shift] of [[8_000, 16807, 0], [30_000, 69621, 0.2], [500, 39373, 1]] as const) {
    const current = table(n, seed, shift);
    assert.deepEqual(driftExactPrepared(prepared, current), driftExact(reference, current, features), `window of ${n}`);
  }
});
