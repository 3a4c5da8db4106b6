// accuracy (metrics registry): the worked window, scikit-learn's multiclass case, the Wilson interval, no rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy } from '../../lib/stats/classMetrics/accuracy.js';
import { scoreRows } from '../../lib/stats/classMetrics/scored.js';
import { INTERVALS, close, sklearnMulticlass, value, worked } from './classMetricsFixture.js';

test('accuracy: 5 of 7 right, Wilson interval; scikit-learn agrees on 120 answers; undefined without answers', () => {
  const s = worked();
  close(value(accuracy.overall(s)), 5 / 7, 'worked');
  const ci = accuracy.overallInterval(s, INTERVALS);
  assert.equal(ci?.method, 'wilson');
  assert.ok(ci && ci.lower < 5 / 7 && 5 / 7 < ci.upper);
  const { s: big, sk } = sklearnMulticlass();
  close(value(accuracy.overall(big)), sk.accuracy, 'scikit-learn');
  assert.match(String((accuracy.overall(scoreRows([])) as { reason: string }).reason), /no labelled answers/);
  assert.equal(accuracy.higherIsBetter, true);
});
