// The Wasserstein drift test (lib/stats/drift/wasserstein.ts): exact W1 / reference std equals scipy's; from cells close; numeric only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wasserstein } from '../../lib/stats/drift/wasserstein.js';
import { categoricalInput, close, fixtureSample, numericInput, scipyFixture } from './driftTestInput.js';

test("exact: scipy's wasserstein_distance over the reference's population std", () => {
  for (const f of scipyFixture.numeric) {
    const { input, sides } = numericInput(fixtureSample(f.seedA, f.nA, 1, 0, f.levels), fixtureSample(f.seedB, f.nB, f.scale, f.shift, f.levels));
    const v = wasserstein.exact!(input, sides)!;
    close(v, f.wassersteinNormalized, 1e-9, `case ${f.seedA}`);
    assert.equal(wasserstein.judged(v), v);
  }
});

test('from aggregates: within 0.01 of exact on continuous columns, equal on discrete ones', () => {
  for (const f of scipyFixture.numeric) {
    const { input } = numericInput(fixtureSample(f.seedA, f.nA, 1, 0, f.levels), fixtureSample(f.seedB, f.nB, f.scale, f.shift, f.levels));
    close(wasserstein.fromAggregates(input)!, f.wassersteinNormalized, f.levels ? 1e-9 : 0.01, `case ${f.seedA}`);
  }
});

test('a constant reference is normalized by 0.001, not by 0; categorical columns have no value', () => {
  const { input, sides } = numericInput(new Float64Array(100).fill(2), new Float64Array(100).fill(2.001));
  close(wasserstein.exact!(input, sides)!, 1, 1e-9, 'constant');
  assert.equal(wasserstein.fromAggregates(categoricalInput([1, 2], [2, 1])), null);
  assert.equal(wasserstein.kind, 'distance');
  assert.equal(wasserstein.threshold?.default, 0.1);
});
