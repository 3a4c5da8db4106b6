// precision (metrics registry): per class and macro on the worked window; a class never predicted is undefined, 0 in the macro.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { precision } from '../../lib/stats/classMetrics/precision.js';
import { scoreRows } from '../../lib/stats/classMetrics/scored.js';
import { INTERVALS, close, value, worked } from './classMetricsFixture.js';

test('precision: a 2/3, b 2/3, c 1; macro 7/9; Wilson per class, bootstrap for the macro', () => {
  const s = worked();
  close(value(precision.ofClass!(s, 0)), 2 / 3, 'a');
  close(value(precision.ofClass!(s, 1)), 2 / 3, 'b');
  close(value(precision.ofClass!(s, 2)), 1, 'c');
  close(value(precision.overall(s)), 7 / 9, 'macro');
  assert.equal(precision.classInterval!(s, 2, INTERVALS)?.method, 'wilson');
  const macro = precision.overallInterval(s, INTERVALS);
  assert.equal(macro?.method, 'bootstrap');
  assert.ok(macro && macro.lower <= 7 / 9 && 7 / 9 <= macro.upper);
});

test('precision of a class never predicted is undefined (null with the reason); the macro counts it 0 as scikit-learn does', () => {
  const s = scoreRows([
    { label: 'x', predicted: 'x' },
    { label: 'y', predicted: 'x' },
  ]);
  const y = precision.ofClass!(s, 1);
  assert.deepEqual(y, { reason: 'class "y" was never predicted' });
  close(value(precision.ofClass!(s, 0)), 1 / 2, 'x');
  close(value(precision.overall(s)), (1 / 2 + 0) / 2, 'macro');
  assert.equal(precision.classInterval!(s, 1, INTERVALS), null);
});
