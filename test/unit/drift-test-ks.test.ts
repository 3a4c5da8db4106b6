// The KS drift test (lib/stats/drift/ks.ts): exact D and p equal scipy's ks_2samp; from cells D is bounded; not for categorical columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ks } from '../../lib/stats/drift/ks.js';
import { categoricalInput, close, fixtureSample, numericInput, scipyFixture } from './driftTestInput.js';

test('exact: D and the asymptotic p-value equal scipy ks_2samp; judged by its p-value', () => {
  for (const f of scipyFixture.numeric) {
    const { input, sides } = numericInput(fixtureSample(f.seedA, f.nA, 1, 0, f.levels), fixtureSample(f.seedB, f.nB, f.scale, f.shift, f.levels));
    const v = ks.exact!(input, sides)!;
    close(v.statistic, f.ks.statistic, 1e-12, `case ${f.seedA} D`);
    close(v.pValue, f.ks.pValue, 1e-6, `case ${f.seedA} p`);
    assert.equal(v.errorBound, 0);
    assert.equal(ks.judged(v), v.pValue);
    assert.deepEqual(ks.shown(v), [v.statistic, v.pValue]);
  }
  assert.equal(ks.kind, 'p-value');
});

test('from aggregates: the exact D lies in [D, D + errorBound]', () => {
  for (const f of scipyFixture.numeric) {
    const { input } = numericInput(fixtureSample(f.seedA, f.nA, 1, 0, f.levels), fixtureSample(f.seedB, f.nB, f.scale, f.shift, f.levels));
    const v = ks.fromAggregates(input)!;
    assert.ok(v.statistic <= f.ks.statistic + 1e-12 && f.ks.statistic <= v.statistic + v.errorBound + 1e-12, `case ${f.seedA}: ${f.ks.statistic} outside [${v.statistic}, +${v.errorBound}]`);
  }
});

test('a categorical column has no KS value; a policy naming KS falls back to chi-square there', () => {
  assert.equal(ks.fromAggregates(categoricalInput([5, 5], [3, 7])), null);
  assert.equal(ks.judged(null), NaN);
  assert.equal(ks.columns, 'numeric');
  assert.equal(ks.fallback, 'chisquare');
});
