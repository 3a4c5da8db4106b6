// The drift test registry: every test has its own unit test, the built-ins keep the registry's rules, and a test registered here is used by the policy, the suite, the config and the report with no other edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { Table } from '../../lib/data/table.js';
import { BUILTIN_DRIFT_TESTS, defineDriftTest, driftTests, driftTestValues, registerDriftTest, type DriftTest } from '../../lib/stats/drift/index.js';
import { DEFAULT_DRIFT_POLICY, driftExact, driftFromAggregates } from '../../lib/stats/driftSuite.js';
import { buildDriftProfile } from '../../lib/stats/driftProfile.js';
import { AggregateBuilder } from '../../lib/stats/windowAggregate.js';
import { driftSuiteTable } from '../../lib/report/driftSuiteHtml.js';
import { parsePipeline } from '../../lib/config/pipeline.js';
import { driftPolicyOf } from '../../lib/config/drift.js';

test('every registered test has a unit test of its measure (test/unit/drift-test-<name>.test.ts)', () => {
  for (const t of driftTests()) {
    const file = new URL(`./drift-test-${t.name}.test.ts`, import.meta.url);
    assert.ok(existsSync(file), `drift test "${t.name}" has no test/unit/drift-test-${t.name}.test.ts`);
    const source = readFileSync(file, 'utf8');
    assert.match(source, /lib\/stats\/drift\/\w+\.js/, `${t.name}: the unit test imports its test's file`);
    assert.match(source, /\.(fromAggregates|exact!?)\(/, `${t.name}: the unit test calls its measure`);
  }
});

test("built-ins: unique names and fields, fallbacks that exist, distance defaults, and each of the automatic choice's four roles once", () => {
  const all = BUILTIN_DRIFT_TESTS as readonly DriftTest[];
  assert.equal(new Set(all.map((t) => t.name)).size, all.length);
  assert.equal(new Set(all.map((t) => t.field)).size, all.length);
  for (const t of all) {
    if (t.columns === 'numeric') assert.ok(all.some((f) => f.name === t.fallback && f.columns === 'any'), `${t.name} falls back to a test for any column`);
    assert.equal(t.kind === 'distance', t.threshold !== undefined, `${t.name}: a distance has a default threshold, a p-value test none`);
  }
  const roles = all.flatMap((t) => (t.auto ? [`${t.auto.reference}/${t.auto.values}`] : [])).sort();
  assert.deepEqual(roles, ['large/continuous', 'large/discrete', 'small/continuous', 'small/discrete']);
  assert.throws(() => registerDriftTest({ ...all[1] }), /clashes with the registered "psi"/);
});

/** A toy distance: total variation on the shared bins, ½ Σ |p − q|. */
const tvd = defineDriftTest({
  name: 'tvd', field: 'totalVariation', kind: 'distance', label: 'TV', header: 'TV distance', columns: 'any', threshold: { default: 0.05, max: 1 },
  fromAggregates: (input): number => {
    const { reference: r, current: c } = input.bins;
    let sr = 0;
    let sc = 0;
    for (let i = 0; i < r.length; i++) {
      sr += r[i];
      sc += c[i];
    }
    let d = 0;
    for (let i = 0; i < r.length; i++) d += Math.abs(r[i] / sr - c[i] / sc);
    return d / 2;
  },
  judged: (v) => v,
  shown: (v) => [v],
});

const columns = (n: number, shift: number): Table => ({
  rows: n,
  columns: [
    { name: 'a', kind: 'numeric', values: Float64Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n + shift) },
    { name: 'city', kind: 'categorical', values: Array.from({ length: n }, (_, i) => (i % (shift ? 2 : 3) === 0 ? 'Oslo' : 'Bergen')) },
  ],
});

test('a test registered at run time is chosen by the policy, measured by both suites, stored, accepted by the config and shown in the report', (t) => {
  t.after(registerDriftTest(tvd));
  const features = { numeric: ['a'], categorical: ['city'] };
  const reference = columns(4000, 0);
  const current = columns(3000, 0.2);
  const policy = { ...DEFAULT_DRIFT_POLICY, method: 'tvd' };
  const exact = driftExact(reference, current, features, policy);
  const profile = buildDriftProfile(reference, features);
  const builder = new AggregateBuilder(profile);
  builder.addColumns({ a: current.columns[0].values as Float64Array, city: current.columns[1].values as string[] });
  const binned = driftFromAggregates(profile, builder.snapshot(), policy);
  for (const r of [exact, binned]) {
    for (const f of r.features) {
      const value = (f as unknown as Record<string, number>).totalVariation;
      assert.ok(value > 0.05, `${f.feature}: TV ${value}`);
      assert.equal(f.method, 'tvd');
      assert.equal(f.value, value);
      assert.equal(f.threshold, 0.05);
      assert.equal(f.drifted, true);
      assert.equal(f.pValue, null);
      assert.equal(driftTestValues(f).totalVariation, value);
    }
    assert.match(r.selection, /^tvd for every column it fits .* used: tvd × 2\.$/);
  }
  const html = driftSuiteTable(exact);
  assert.match(html, /<th>TV distance<\/th><th>current n<\/th>/);
  assert.match(html, new RegExp(`<td>${exact.features[0].value.toPrecision(3)}</td><td>\\d+ \\(0 missing\\)</td>`));
  assert.match(html, /<td>≥ 0\.0500<\/td>/);

  const base = { name: 'p', data: { path: 'x.csv' }, target: 'y', features: { numeric: ['a'], categorical: ['b'] }, search: { space: { logreg: { l2: [0.1] } } } };
  const parsed = parsePipeline({ ...base, monitor: { drift: { method: 'tvd', thresholds: { tvd: 0.3 } } } }, 'p.json', '/tmp');
  const fromConfig = driftPolicyOf(parsed.monitor);
  assert.equal(fromConfig.method, 'tvd');
  assert.equal(driftExact(reference, current, features, fromConfig).features[0].threshold, 0.3);
  assert.throws(() => parsePipeline({ ...base, monitor: { drift: { thresholds: { tvd: 2 } } } }, 'p.json', '/tmp'), /monitor\.drift\.thresholds\.tvd: the TV threshold must be above 0 and at most 1/);
});

test('unregistered again: the config names the known tests, and the suite refuses the name', () => {
  const base = { name: 'p', data: { path: 'x.csv' }, target: 'y', features: { numeric: ['a'], categorical: ['b'] }, search: { space: { logreg: { l2: [0.1] } } } };
  assert.throws(
    () => parsePipeline({ ...base, monitor: { drift: { method: 'tvd' } } }, 'p.json', '/tmp'),
    /monitor\.drift\.method: unknown drift test "tvd": use auto or one of ks, psi, chisquare, jensenshannon, wasserstein/,
  );
  assert.throws(() => parsePipeline({ ...base, monitor: { drift: { thresholds: { chisquare: 0.1 } } } }, 'p.json', '/tmp'), /"chisquare" is a p-value test \(it uses alpha\)/);
  assert.throws(() => driftExact(columns(100, 0), columns(100, 0.1), { numeric: ['a'], categorical: [] }, { ...DEFAULT_DRIFT_POLICY, method: 'tvd' }), /unknown drift test "tvd" \(known: ks, psi/);
});
