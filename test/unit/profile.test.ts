// Tests for dataset profiles: exact statistics on small columns, quantile rank error and distinct estimates on large ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profileTable, type CategoricalStats, type NumericStats } from '../../lib/data/profile.js';
import type { Table } from '../../lib/data/table.js';
import { jensenShannonDistance, lInfinityDistance } from '../../lib/stats/divergence.js';
import { countOnEdges } from '../../lib/stats/bins.js';
import { sortedQuantile } from '../../lib/stats/quantiles.js';
import { mulberry32 as rng } from '../../lib/train/cv.js';

function numeric(name: string, values: number[] | Float64Array): Table['columns'][number] {
  return { name, kind: 'numeric', values: Float64Array.from(values) };
}

function stats<T extends NumericStats | CategoricalStats>(table: Table, name: string, bins = 32): T {
  return profileTable(table, { bins }).columns.find((c) => c.name === name) as T;
}

test('numeric column: exact counts, moments, quantiles (numpy linear), histogram and distinct', () => {
  const table: Table = { rows: 6, columns: [numeric('x', [4, 1, NaN, 3, 2, 2])] };
  const s = stats<NumericStats>(table, 'x', 3);
  assert.equal(s.count, 5);
  assert.equal(s.nulls, 1);
  assert.equal(s.infinite, 0);
  assert.deepEqual([s.min, s.max, s.mean], [1, 4, 2.4]);
  assert.ok(Math.abs((s.std as number) - Math.sqrt(5.2 / 4)) < 1e-12);
  // sorted 1 2 2 3 4: p25 at rank 1 → 2, p50 → 2, p75 → 3, p01 at rank 0.04 → 1.04, p99 at 3.96 → 3.96
  const expected = { p01: 1.04, p05: 1.2, p25: 2, p50: 2, p75: 3, p95: 3.8, p99: 3.96 };
  for (const [key, want] of Object.entries(expected)) {
    assert.ok(Math.abs((s.quantiles?.[key as keyof typeof expected] as number) - want) < 1e-12, `${key}: ${s.quantiles?.[key as keyof typeof expected]} ≠ ${want}`);
  }
  assert.deepEqual(s.histogram, { edges: [1, 2, 3, 4], counts: [1, 2, 2] });
  assert.equal(s.distinct, 4);
  assert.equal(s.distinctEstimated, false);
});

test('categorical column: distinct, top categories by count then value, full domain', () => {
  const table: Table = { rows: 7, columns: [{ name: 'c', kind: 'categorical', values: ['b', 'a', null, 'a', 'c', 'b', 'a'] }] };
  const s = stats<CategoricalStats>(table, 'c');
  assert.deepEqual(s, {
    name: 'c', kind: 'categorical', count: 6, nulls: 1, distinct: 3, distinctEstimated: false,
    top: [{ value: 'a', count: 3 }, { value: 'b', count: 2 }, { value: 'c', count: 1 }],
    domain: [{ value: 'a', count: 3 }, { value: 'b', count: 2 }, { value: 'c', count: 1 }],
  });
  const many: Table = { rows: 1500, columns: [{ name: 'id', kind: 'categorical', values: Array.from({ length: 1500 }, (_, i) => `u${i % 1200}`) }] };
  const big = stats<CategoricalStats>(many, 'id');
  assert.equal(big.distinct, 1200);
  assert.equal(big.top.length, 20);
  assert.deepEqual(big.top[0], { value: 'u0', count: 2 });
  assert.equal(big.domain, null, 'more than 1,000 categories: no full domain');
});

test('edge columns: constant, all missing, infinities, dates; the profile is plain JSON', () => {
  const day = Date.UTC(2024, 0, 1);
  const table: Table = {
    rows: 4,
    columns: [
      numeric('constant', [7, 7, 7, 7]),
      numeric('empty', [NaN, NaN, NaN, NaN]),
      numeric('inf', [1, Infinity, -Infinity, 3]),
      { name: 'when', kind: 'date', values: Float64Array.from([day, day + 86_400_000, NaN, day + 2 * 86_400_000]) },
    ],
  };
  const p = profileTable(table);
  const [constant, empty, inf, when] = p.columns as NumericStats[];
  assert.deepEqual(constant.histogram, { edges: [7, 7], counts: [4] });
  assert.equal(constant.quantiles?.p50, 7);
  assert.equal(constant.std, 0);
  assert.deepEqual([empty.count, empty.nulls, empty.min, empty.mean, empty.quantiles, empty.histogram, empty.distinct], [0, 4, null, null, null, null, 0]);
  assert.deepEqual([inf.count, inf.infinite, inf.min, inf.max, inf.mean, inf.distinct], [4, 2, 1, 3, 2, 4]);
  assert.deepEqual([when.kind, when.min, when.max, when.quantiles?.p50], ['date', day, day + 2 * 86_400_000, day + 86_400_000]);
  assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
});

/** Fraction of values ≤ q and < q: the rank interval of q in the data. */
function rankOf(sorted: Float64Array, q: number): [number, number] {
  let below = 0;
  let atMost = 0;
  for (const v of sorted) {
    if (v < q) below++;
    if (v <= q) atMost++;
  }
  return [below / sorted.length, atMost / sorted.length];
}

test('quantiles of 100,000 values are within 0.5% rank error, for skewed, tied and outlier-ridden data', () => {
  const r = rng(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const cases: Record<string, () => number> = {
    uniform: () => r() * 100,
    normal,
    lognormal: () => Math.exp(2 * normal()),
    ties: () => Math.floor(r() * 5),
    outlier: () => (r() < 0.0001 ? 1e12 : r()),
  };
  for (const [name, draw] of Object.entries(cases)) {
    const values = Float64Array.from({ length: 100_000 }, draw);
    const s = stats<NumericStats>({ rows: values.length, columns: [numeric(name, values)] }, name);
    const sorted = values.slice().sort();
    const probs = { p01: 0.01, p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 };
    for (const [key, p] of Object.entries(probs)) {
      const q = s.quantiles?.[key as keyof typeof probs] as number;
      const [lo, hi] = rankOf(sorted, q);
      assert.ok(p >= lo - 0.005 && p <= hi + 0.005, `${name} ${key}: ${q} has rank [${lo}, ${hi}], wanted ${p}`);
    }
    const total = s.histogram?.counts.reduce((a, b) => a + b, 0);
    assert.equal(total, 100_000, `${name}: histogram holds every value`);
  }
});

test('integer columns of a small range get exact quantiles; histograms match a recount on their edges', () => {
  const r = rng(3);
  const ints = Float64Array.from({ length: 100_000 }, () => (r() < 0.01 ? NaN : Math.floor(r() ** 2 * 1000) - 200));
  const reals = Float64Array.from({ length: 100_000 }, () => r() ** 3 * 50);
  const [i, x] = profileTable({ rows: 100_000, columns: [numeric('i', ints), numeric('x', reals)] }).columns as NumericStats[];
  const sorted = ints.filter((v) => !Number.isNaN(v)).sort();
  const probs = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
  assert.deepEqual(Object.values(i.quantiles ?? {}), probs.map((p) => sortedQuantile(sorted, p)));
  assert.equal(i.distinct, new Set(sorted).size);
  for (const s of [i, x]) {
    const recount = Array.from(countOnEdges(s.name === 'i' ? ints : reals, s.histogram?.edges ?? []));
    assert.deepEqual(recount.slice(1, -1), s.histogram?.counts, `${s.name}: same bins as the profile`);
    assert.deepEqual([recount[0], recount[recount.length - 1]], [0, 0]);
  }
});

test('distinct: exact below the limit (and for integer ranges), HyperLogLog within 5% above it', () => {
  const r = rng(11);
  const continuous = Float64Array.from({ length: 300_000 }, () => r() * 1000);
  const exactSmall = Float64Array.from({ length: 50_000 }, (_, i) => (i % 9_000) + 0.5);
  const ints = Float64Array.from({ length: 200_000 }, (_, i) => i % 150_000);
  const table: Table = { rows: 0, columns: [numeric('continuous', continuous), numeric('small', exactSmall), numeric('ints', ints)] };
  const [c, small, whole] = profileTable(table).columns as NumericStats[];
  const truth = new Set(continuous).size;
  assert.equal(c.distinctEstimated, true);
  assert.ok(Math.abs(c.distinct - truth) / truth < 0.05, `estimate ${c.distinct}, truth ${truth}`);
  assert.deepEqual([small.distinct, small.distinctEstimated], [9_000, false]);
  assert.deepEqual([whole.distinct, whole.distinctEstimated], [150_000, false]);
  const hashed = profileTable(table, { exactDistinctLimit: 1000 }).columns[1] as NumericStats;
  assert.equal(hashed.distinctEstimated, true);
  assert.ok(Math.abs(hashed.distinct - 9_000) / 9_000 < 0.05, `estimate ${hashed.distinct} of 9000`);
});

test('Jensen–Shannon and L-infinity distances: 0 for the same distribution, 1 for disjoint ones', () => {
  assert.equal(jensenShannonDistance([1, 2, 3], [2, 4, 6]), 0);
  assert.equal(jensenShannonDistance([1, 0], [0, 5]), 1);
  assert.ok(Math.abs(jensenShannonDistance([1, 1], [1, 0]) - Math.sqrt(1.5 - 0.75 * Math.log2(3))) < 1e-12);
  assert.equal(lInfinityDistance([1, 1, 2], [0, 2, 2]), 0.25);
  assert.ok(Number.isNaN(jensenShannonDistance([0, 0], [1, 1])));
});
