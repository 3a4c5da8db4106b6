// auc (metrics registry): one-vs-rest per class by hand (ties count half), macro, binary, scikit-learn's macro OvR; undefined cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auc } from '../../lib/stats/classMetrics/auc.js';
import { scoreRows, type ClassRow } from '../../lib/stats/classMetrics/scored.js';
import { INTERVALS, close, sklearnMulticlass, value, worked } from './classMetricsFixture.js';

test('AUC one-vs-rest: a 11/12, b 1, c 7.5/10 (a tie counts half), macro 8/9; scikit-learn macro OvR on 120 answers', () => {
  const s = worked();
  close(value(auc.ofClass!(s, 0)), 11 / 12, 'a');
  close(value(auc.ofClass!(s, 1)), 1, 'b');
  close(value(auc.ofClass!(s, 2)), 0.75, 'c');
  close(value(auc.overall(s)), 8 / 9, 'macro');
  const ci = auc.classInterval!(s, 0, INTERVALS);
  assert.equal(ci?.method, 'normal');
  assert.ok(ci && ci.lower < 11 / 12 && ci.upper <= 1);
  const { s: big, sk } = sklearnMulticlass();
  close(value(auc.overall(big)), sk.auc_ovr_macro, 'scikit-learn');
  const macro = auc.overallInterval(big, INTERVALS);
  assert.equal(macro?.method, 'normal');
  assert.ok(macro && macro.lower < sk.auc_ovr_macro && sk.auc_ovr_macro < macro.upper && macro.upper - macro.lower < 0.5);
});

test('binary AUC: Mann–Whitney U / (n1·n0) of the second class, equal to the first class\'s one-vs-rest AUC', () => {
  const classes = ['no', 'yes'];
  const r = (label: string, p: number): ClassRow => ({ label, predicted: p >= 0.5 ? 'yes' : 'no', probabilities: [1 - p, p], classes });
  // Positives 0.9, 0.4, 0.6; negatives 0.1, 0.4, 0.7: U = 3 + (1 + 0.5) + 2 = 6.5 of 9 pairs.
  const s = scoreRows([r('yes', 0.9), r('yes', 0.4), r('yes', 0.6), r('no', 0.1), r('no', 0.4), r('no', 0.7)]);
  close(value(auc.overall(s)), 6.5 / 9, 'binary');
  close(value(auc.ofClass!(s, 0)), 6.5 / 9, 'class no');
});

test('AUC is undefined with a single class in the window, without probabilities, and for a label the model lacks', () => {
  const classes = ['no', 'yes'];
  const one = scoreRows([{ label: 'yes', predicted: 'yes', probabilities: [0.2, 0.8], classes }, { label: 'yes', predicted: 'no', probabilities: [0.6, 0.4], classes }]);
  assert.match((auc.overall(one) as { reason: string }).reason, /every answer is labelled "yes"/);
  assert.equal(auc.overallInterval(one, INTERVALS), null);
  const bare = scoreRows([{ label: 'yes', predicted: 'yes' }, { label: 'no', predicted: 'yes' }]);
  assert.match((auc.overall(bare) as { reason: string }).reason, /needs class probabilities/);
  const stranger = scoreRows([{ label: 'maybe', predicted: 'yes', probabilities: [0.2, 0.8], classes }, { label: 'no', predicted: 'no', probabilities: [0.6, 0.4], classes }]);
  assert.match((auc.ofClass!(stranger, 2) as { reason: string }).reason, /not one of the model's classes/);
});
