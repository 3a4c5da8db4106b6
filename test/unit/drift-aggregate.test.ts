// Drift from aggregates: agreement with exact values, merge = union, the large-sample trap, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataError } from '../../lib/data/errors.js';
import type { Table } from '../../lib/data/table.js';
import { buildDriftProfile, type DriftProfile } from '../../lib/stats/driftProfile.js';
import { AggregateBuilder, mergeAggregates } from '../../lib/stats/windowAggregate.js';
import { DEFAULT_DRIFT_POLICY, driftExact, driftFromAggregates } from '../../lib/stats/driftSuite.js';

/** Standard normals (Box–Muller over Park–Miller), times `scale`, plus `shift`. */
function normals(seed: number, n: number, shift = 0, scale = 1): Float64Array {
  const out = new Float64Array(n);
  let x = seed;
  const next = () => (x = (16807 * x) % (2 ** 31 - 1)) / (2 ** 31 - 1);
  for (let i = 0; i < n; i++) out[i] = shift + scale * Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  return out;
}
type Columns = Parameters<AggregateBuilder['addColumns']>[0];
const CATS = ['a', 'b', 'c', 'd'];
function data(seed: number, n: number, shift: number): Table {
  const z = normals(seed, n, shift);
  return {
    rows: n,
    columns: [
      { name: 'normal', kind: 'numeric', values: z },
      { name: 'skewed', kind: 'numeric', values: z.map((v) => Math.exp(v)) },
      { name: 'count', kind: 'numeric', values: z.map((v) => Math.floor(Math.abs(v) * 1.5)) }, // a few small integers, heavy ties
      { name: 'city', kind: 'categorical', values: Array.from(z, (v, i) => (i % 97 === 0 ? null : CATS[Math.min(3, Math.floor(Math.abs(v) * 2))])) },
    ],
  };
}
const FEATURES = { numeric: ['normal', 'skewed', 'count'], categorical: ['city'] };
function aggregateOf(profile: DriftProfile, t: Table) {
  const b = new AggregateBuilder(profile);
  b.addColumns(Object.fromEntries(t.columns.map((c) => [c.name, c.values])) as Columns);
  return b.snapshot();
}

test('aggregates agree with exact values within the documented bounds (KS ≤ errorBound, Wasserstein ≤ 0.005)', () => {
  const reference = data(48271, 100_000, 0);
  const profile = buildDriftProfile(reference, FEATURES);
  for (const [seed, shift] of [[16807, 0], [69621, 0.05], [39373, 0.4]] as const) {
    const current = data(seed, 50_000, shift);
    const binned = driftFromAggregates(profile, aggregateOf(profile, current));
    const exact = driftExact(reference, current, FEATURES);
    binned.features.forEach((b, i) => {
      const e = exact.features[i];
      assert.equal(b.method, e.method, b.feature);
      assert.equal(b.psi, e.psi, `${b.feature} PSI`);
      assert.equal(b.jensenShannon, e.jensenShannon, `${b.feature} JS`);
      assert.deepEqual(b.chiSquare, e.chiSquare, `${b.feature} chi-square`);
      if (b.kind !== 'numeric') return;
      const d = e.ks!.statistic;
      assert.ok(b.ks!.statistic <= d + 1e-12 && d <= b.ks!.statistic + b.ks!.errorBound + 1e-12, `${b.feature}: exact D ${d}, from cells ${b.ks!.statistic} + ${b.ks!.errorBound}`);
      assert.ok(b.ks!.errorBound <= 0.002, `${b.feature} KS bound ${b.ks!.errorBound}`);
      assert.ok(Math.abs(b.wasserstein! - e.wasserstein!) <= 0.005, `${b.feature}: Wasserstein ${b.wasserstein} vs exact ${e.wasserstein}`);
    });
  }
});

test('merging two windows equals the aggregate of their union; add() per record equals addColumns; JSON round trip', () => {
  const reference = data(48271, 20_000, 0);
  const profile = JSON.parse(JSON.stringify(buildDriftProfile(reference, FEATURES))) as DriftProfile;
  const current = data(16807, 6_000, 0.2);
  const half = (from: number, to: number): Table => ({ rows: to - from, columns: current.columns.map((c) => ({ ...c, values: c.values.slice(from, to) }) as typeof c) });
  const union = aggregateOf(profile, current);
  const merged = mergeAggregates(aggregateOf(profile, half(0, 2_500)), aggregateOf(profile, half(2_500, 6_000)));
  assert.deepEqual(merged, union);
  const rowWise = new AggregateBuilder(profile);
  for (let i = 0; i < current.rows; i++) rowWise.add(Object.fromEntries(current.columns.map((c) => [c.name, c.values[i]])));
  assert.deepEqual(rowWise.snapshot(), union);
  assert.deepEqual(driftFromAggregates(profile, JSON.parse(JSON.stringify(union))), driftFromAggregates(profile, union));
  rowWise.reset();
  assert.equal(rowWise.snapshot().rows, 0);
});

test('the large-sample trap: at 1M rows auto flags the 2 columns shifted 0.3 sd, KS p < 0.05 flags the 0.01 sd ones too', () => {
  const n = 1_000_000;
  const shifts = [0.3, 0.3, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01];
  const names = shifts.map((_, j) => `x${j}`);
  const reference: Table = { rows: n, columns: names.map((name, j) => ({ name, kind: 'numeric' as const, values: normals(1000 + j, n) })) };
  const current: Table = { rows: n, columns: names.map((name, j) => ({ name, kind: 'numeric' as const, values: normals(5000 + j, n, shifts[j]) })) };
  const features = { numeric: names, categorical: [] };
  const profile = buildDriftProfile(reference, features);
  const auto = driftFromAggregates(profile, aggregateOf(profile, current));
  assert.deepEqual(auto.datasetDrift.driftedFeatures, ['x0', 'x1']);
  assert.equal(auto.datasetDrift.share, 0.2);
  assert.equal(auto.datasetDrift.drifted, false);
  const ks = driftExact(reference, current, features, { ...DEFAULT_DRIFT_POLICY, method: 'ks', correction: 'none' });
  assert.ok(ks.datasetDrift.driftedFeatures.length >= 7, `KS flagged ${ks.datasetDrift.driftedFeatures.join(', ')}`);
});

test('Holm: a p-value just under alpha does not flag a column among many; without correction it does', () => {
  const reference = data(48271, 800, 0);
  const current = data(16807, 700, 0.12);
  const none = driftExact(reference, current, FEATURES, { ...DEFAULT_DRIFT_POLICY, method: 'ks', correction: 'none' });
  const holm = driftExact(reference, current, FEATURES, { ...DEFAULT_DRIFT_POLICY, method: 'ks' });
  const m = holm.features.length;
  const smallest = Math.min(...holm.features.map((f) => f.pValue!));
  for (const [i, f] of holm.features.entries()) {
    assert.equal(none.features[i].drifted, f.pValue! < 0.05);
    assert.ok(f.adjustedPValue! >= f.pValue!);
    if (f.pValue === smallest) assert.equal(f.adjustedPValue, Math.min(1, m * smallest));
  }
  assert.ok(holm.datasetDrift.driftedFeatures.length <= none.datasetDrift.driftedFeatures.length);
});

test('bad input: unknown feature, empty side, aggregate of another profile, unknown column — each a DataError naming it', () => {
  const reference = data(48271, 2_000, 0);
  const current = data(16807, 1_000, 0);
  assert.throws(() => buildDriftProfile(reference, { numeric: ['nope'], categorical: [] }), (e: Error) => e instanceof DataError && /feature "nope" is not a column of the reference/.test(e.message));
  assert.throws(() => driftExact(reference, { rows: 0, columns: current.columns.map((c) => ({ ...c, values: c.values.slice(0, 0) }) as typeof c) }, FEATURES), (e: Error) => e instanceof DataError && /no rows/.test(e.message));
  const profile = buildDriftProfile(reference, FEATURES);
  const other = buildDriftProfile(data(7, 2_000, 0), FEATURES);
  assert.throws(() => driftFromAggregates(profile, aggregateOf(other, current)), (e: Error) => e instanceof DataError && /counted on drift profile/.test(e.message));
  assert.throws(() => driftFromAggregates(profile, new AggregateBuilder(profile).snapshot()), (e: Error) => e instanceof DataError && /no rows/.test(e.message));
  const allMissing = new AggregateBuilder(profile);
  allMissing.add({ normal: 1, skewed: 1, count: 1 });
  assert.throws(() => driftFromAggregates(profile, allMissing.snapshot()), (e: Error) => e instanceof DataError && /column "city" has no values in the window's 1 rows/.test(e.message));
  assert.throws(() => new AggregateBuilder(profile).addColumns({ colour: new Float64Array(3) }), (e: Error) => e instanceof DataError && /"colour" are not in the drift profile/.test(e.message));
  assert.throws(() => mergeAggregates(aggregateOf(profile, current), aggregateOf(other, current)), (e: Error) => e instanceof DataError && /different drift profiles/.test(e.message));
});

test('prediction and label drift: extra columns are judged but not counted in dataset drift', () => {
  const reference = data(48271, 5_000, 0);
  const current = data(16807, 3_000, 0);
  const label = (t: Table) => ({ name: '__label', kind: 'categorical' as const, values: Array.from({ length: t.rows }, (_, i) => (i % 3 === 0 ? 'yes' : 'no')) });
  const shifted = { name: '__label', kind: 'categorical' as const, values: Array.from({ length: current.rows }, (_, i) => (i % 3 === 0 ? 'no' : 'yes')) };
  const profile = buildDriftProfile(reference, FEATURES, { columns: [label(reference)] });
  const b = new AggregateBuilder(profile);
  b.addColumns({ ...Object.fromEntries(current.columns.map((c) => [c.name, c.values])), __label: shifted.values } as Columns);
  const r = driftFromAggregates(profile, b.snapshot());
  assert.equal(r.extra.length, 1);
  assert.equal(r.extra[0].feature, '__label');
  assert.equal(r.extra[0].drifted, true);
  assert.equal(r.datasetDrift.driftedFeatures.length, 0);
  const exact = driftExact(reference, current, FEATURES, DEFAULT_DRIFT_POLICY, { reference: [label(reference)], current: [shifted] });
  assert.equal(exact.extra[0].jensenShannon, r.extra[0].jensenShannon);
});
