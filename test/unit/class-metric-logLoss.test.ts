// logLoss (metrics registry): the worked window by hand, scikit-learn's multiclass case, clipping at 1e-15, no probabilities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_LOSS_EPS, logLoss } from '../../lib/stats/classMetrics/logLoss.js';
import { scoreRows } from '../../lib/stats/classMetrics/scored.js';
import { INTERVALS, close, sklearnMulticlass, value, worked } from './classMetricsFixture.js';

test('log loss: mean −ln p(label) of the worked window; scikit-learn on 120 answers; normal interval', () => {
  const s = worked();
  const expected = -[0.7, 0.3, 0.7, 0.8, 0.1, 0.6, 0.6].reduce((sum, p) => sum + Math.log(p), 0) / 7;
  close(value(logLoss.overall(s)), expected, 'worked');
  const { s: big, sk } = sklearnMulticlass();
  close(value(logLoss.overall(big)), sk.log_loss, 'scikit-learn', 1e-9);
  assert.equal(logLoss.overallInterval(s, INTERVALS)?.method, 'normal');
  assert.equal(logLoss.higherIsBetter, false);
});

test('a probability of 0 for the label is clipped to 1e-15 (−ln 1e-15 ≈ 34.54); no probabilities → undefined', () => {
  const classes = ['x', 'y'];
  const s = scoreRows([{ label: 'x', predicted: 'y', probabilities: [0, 1], classes }, { label: 'y', predicted: 'y', probabilities: [0, 1], classes }]);
  close(value(logLoss.overall(s)), (-Math.log(LOG_LOSS_EPS) - Math.log(1 - LOG_LOSS_EPS)) / 2, 'clipped');
  close(-Math.log(LOG_LOSS_EPS), 34.538776394910684, 'the cap');
  const partial = scoreRows([{ label: 'x', predicted: 'y', probabilities: [0.4, 0.6], classes }, { label: 'y', predicted: 'y', classes }]);
  assert.match((logLoss.overall(partial) as { reason: string }).reason, /not every labelled answer logged class probabilities/);
});
