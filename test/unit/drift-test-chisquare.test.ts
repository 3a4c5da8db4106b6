// The chi-square drift test (lib/stats/drift/chiSquare.ts): scipy's chi2_contingency(correction=False) on the shared bins, every column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chiSquare } from '../../lib/stats/drift/chiSquare.js';
import { categoricalInput, close, fixtureSample, numericInput, scipyFixture } from './driftTestInput.js';

test('count vectors: statistic, df and p-value equal scipy; judged by its p-value', () => {
  for (const c of scipyFixture.counts) {
    const v = chiSquare.fromAggregates(categoricalInput(c.reference, c.current));
    close(v.statistic, c.chiSquare.statistic, 1e-10, 'statistic');
    assert.equal(v.df, c.chiSquare.df);
    close(v.pValue, c.chiSquare.pValue, 1e-10, 'p-value');
    assert.equal(chiSquare.judged(v), v.pValue);
  }
  assert.equal(chiSquare.kind, 'p-value');
});

test('a discrete numeric column: the same bins from aggregates and exactly (no exact override)', () => {
  for (const f of scipyFixture.numeric.filter((x) => x.chiSquare)) {
    const { input } = numericInput(fixtureSample(f.seedA, f.nA, 1, 0, f.levels), fixtureSample(f.seedB, f.nB, f.scale, f.shift, f.levels));
    const v = chiSquare.fromAggregates(input);
    close(v.statistic, f.chiSquare!.statistic, 1e-9, `case ${f.seedA}`);
    close(v.pValue, f.chiSquare!.pValue, 1e-9, `case ${f.seedA} p`);
  }
  assert.equal(chiSquare.exact, undefined);
});

test('two values: the reason names the z-test', () => {
  assert.match(chiSquare.note!(2), /z-test/);
  assert.equal(chiSquare.note!(3), '');
});
