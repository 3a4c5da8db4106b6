// recall (metrics registry): per class and macro on the worked window; a class never labelled is undefined, 0 in the macro.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recall } from '../../lib/stats/classMetrics/recall.js';
import { scoreRows } from '../../lib/stats/classMetrics/scored.js';
import { INTERVALS, close, value, worked } from './classMetricsFixture.js';

test('recall: a 2/3, b 1, c 1/2; macro 13/18; Wilson per class', () => {
  const s = worked();
  close(value(recall.ofClass!(s, 0)), 2 / 3, 'a');
  close(value(recall.ofClass!(s, 1)), 1, 'b');
  close(value(recall.ofClass!(s, 2)), 1 / 2, 'c');
  close(value(recall.overall(s)), 13 / 18, 'macro');
  const c = recall.classInterval!(s, 2, INTERVALS);
  assert.equal(c?.method, 'wilson');
  assert.ok(c && c.lower < 0.5 && c.upper > 0.5);
});

test('recall of a class no answer is labelled is undefined; the macro counts it 0', () => {
  const s = scoreRows([
    { label: 'x', predicted: 'x' },
    { label: 'x', predicted: 'y' },
  ]);
  assert.deepEqual(recall.ofClass!(s, 1), { reason: 'no answer is labelled "y"' });
  close(value(recall.overall(s)), (1 / 2 + 0) / 2, 'macro');
});
