// Drift suite values against scipy / statsmodels (test/fixtures/python/make_drift_fixture.py): KS, Wasserstein, chi-square, JS, Holm, BH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Table } from '../../lib/data/table.js';
import { chiSquareHomogeneity, chiSquareSf } from '../../lib/stats/chiSquare.js';
import { jensenShannonDistance } from '../../lib/stats/divergence.js';
import { adjustPValues } from '../../lib/stats/multipleTesting.js';
import { buildDriftProfile } from '../../lib/stats/driftProfile.js';
import { AggregateBuilder } from '../../lib/stats/windowAggregate.js';
import { DEFAULT_DRIFT_POLICY, driftExact, driftFromAggregates } from '../../lib/stats/driftSuite.js';

interface Fixture {
  numeric: {
    seedA: number; seedB: number; nA: number; nB: number; scale: number; shift: number; levels: number;
    ks: { statistic: number; pValue: number }; wassersteinNormalized: number;
    chiSquare?: { statistic: number; df: number; pValue: number }; jensenShannon?: number;
  }[];
  counts: { reference: number[]; current: number[]; chiSquare: { statistic: number; df: number; pValue: number }; jensenShannon: number }[];
  chi2Sf: { x: number; df: number; sf: number }[];
  corrections: { pValues: number[]; holm: number[]; bh: number[] };
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/drift-scipy.json', import.meta.url), 'utf8')) as Fixture;

/** The fixture script's samples: Park–Miller uniforms, scaled and shifted, or floored to a few integers. */
function sample(seed: number, n: number, scale: number, shift: number, levels: number): Float64Array {
  const out = new Float64Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (16807 * x) % (2 ** 31 - 1);
    const u = x / (2 ** 31 - 1);
    out[i] = levels ? Math.floor(u * levels) + shift : u * scale + shift;
  }
  return out;
}
const table = (values: Float64Array): Table => ({ rows: values.length, columns: [{ name: 'x', kind: 'numeric', values }] });
const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs scipy ${expected}`);

test('exact KS, normalized Wasserstein, chi-square and Jensen–Shannon match scipy', () => {
  for (const f of fixture.numeric) {
    const a = sample(f.seedA, f.nA, 1, 0, f.levels);
    const b = sample(f.seedB, f.nB, f.scale, f.shift, f.levels);
    const [r] = driftExact(table(a), table(b), { numeric: ['x'], categorical: [] }).features;
    const label = `case ${f.seedA}`;
    close(r.ks!.statistic, f.ks.statistic, 1e-12, `${label} KS D`);
    close(r.ks!.pValue, f.ks.pValue, 1e-6, `${label} KS p`);
    close(r.wasserstein!, f.wassersteinNormalized, 1e-9, `${label} Wasserstein`);
    if (f.chiSquare) {
      close(r.chiSquare.statistic, f.chiSquare.statistic, 1e-9, `${label} chi-square`);
      assert.equal(r.chiSquare.df, f.chiSquare.df);
      close(r.chiSquare.pValue, f.chiSquare.pValue, 1e-9, `${label} chi-square p`);
      close(r.jensenShannon, f.jensenShannon!, 1e-9, `${label} JS`);
    }
  }
});

test('from aggregates: KS is exact when the reference fits in the cells; discrete columns match scipy exactly', () => {
  for (const f of fixture.numeric) {
    const a = sample(f.seedA, f.nA, 1, 0, f.levels);
    const b = sample(f.seedB, f.nB, f.scale, f.shift, f.levels);
    const profile = buildDriftProfile(table(a), { numeric: ['x'], categorical: [] });
    const builder = new AggregateBuilder(profile);
    builder.addColumns({ x: b });
    const [r] = driftFromAggregates(profile, builder.snapshot()).features;
    if (f.nA <= profile.bins + 1) {
      close(r.ks!.statistic, f.ks.statistic, 1e-12, 'KS D from cells');
      assert.equal(r.ks!.errorBound, 0);
    } else {
      assert.ok(r.ks!.statistic <= f.ks.statistic + 1e-12 && f.ks.statistic <= r.ks!.statistic + r.ks!.errorBound + 1e-12, `D ${f.ks.statistic} outside [${r.ks!.statistic}, +${r.ks!.errorBound}]`);
    }
    close(r.wasserstein!, f.wassersteinNormalized, f.levels ? 1e-9 : 0.01, 'Wasserstein from cells');
    if (f.chiSquare) {
      close(r.chiSquare.statistic, f.chiSquare.statistic, 1e-9, 'chi-square from cells');
      close(r.jensenShannon, f.jensenShannon!, 1e-9, 'JS from cells');
    }
  }
});

test('chi-square of count vectors and Jensen–Shannon (base 2) match scipy', () => {
  for (const c of fixture.counts) {
    const chi = chiSquareHomogeneity(c.reference, c.current);
    close(chi.statistic, c.chiSquare.statistic, 1e-10, 'statistic');
    assert.equal(chi.df, c.chiSquare.df);
    close(chi.pValue, c.chiSquare.pValue, 1e-10, 'p-value');
    close(jensenShannonDistance(c.reference, c.current), c.jensenShannon, 1e-12, 'JS');
  }
});

test('chi-square survival function matches scipy.stats.chi2.sf to 1e-10 relative', () => {
  for (const { x, df, sf } of fixture.chi2Sf) {
    const got = chiSquareSf(x, df);
    assert.ok(Math.abs(got - sf) <= 1e-10 * sf + 1e-300, `chi2.sf(${x}, ${df}) = ${got}, scipy ${sf}`);
  }
});

test('Holm and Benjamini–Hochberg adjusted p-values match statsmodels', () => {
  const { pValues, holm, bh } = fixture.corrections;
  adjustPValues(pValues, 'holm').forEach((p, i) => close(p, holm[i], 1e-12, `holm ${i}`));
  adjustPValues(pValues, 'bh').forEach((p, i) => close(p, bh[i], 1e-12, `bh ${i}`));
});

test("auto on a reference of ≤ 1000 rows: KS for continuous, chi-square for ≤ 5 values, Holm over the window's p-values", () => {
  const f = fixture.numeric[0]; // 800 reference rows
  const cont = sample(f.seedA, 800, 1, 0, 0);
  const disc = sample(f.seedB, 800, 1, 0, 3);
  const reference: Table = { rows: 800, columns: [{ name: 'c', kind: 'numeric', values: cont }, { name: 'd', kind: 'numeric', values: disc }] };
  const current: Table = { rows: 600, columns: [{ name: 'c', kind: 'numeric', values: sample(7, 600, 1, 0.1, 0) }, { name: 'd', kind: 'numeric', values: sample(11, 600, 1, 0, 3) }] };
  const r = driftExact(reference, current, { numeric: ['c', 'd'], categorical: [] });
  assert.deepEqual(r.features.map((x) => x.method), ['ks', 'chisquare']);
  assert.match(r.selection, /reference 800 ≤ 1000 rows/);
  const expected = adjustPValues(r.features.map((x) => x.pValue!), 'holm');
  r.features.forEach((x, i) => {
    assert.equal(x.adjustedPValue, expected[i]);
    assert.equal(x.drifted, x.adjustedPValue! < DEFAULT_DRIFT_POLICY.alpha);
  });
});
