// f1 (metrics registry): per class and macro on the worked window, scikit-learn's macro F1, and the window's macro-F1 as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { f1 } from '../../lib/stats/classMetrics/f1.js';
import { macroF1 } from '../../lib/train/metrics.js';
import { INTERVALS, close, sklearnMulticlass, value, worked } from './classMetricsFixture.js';

test('F1: a 2/3, b 4/5, c 2/3; macro 32/45; scikit-learn macro F1 on 120 answers', () => {
  const s = worked();
  close(value(f1.ofClass!(s, 0)), 2 / 3, 'a');
  close(value(f1.ofClass!(s, 1)), 4 / 5, 'b');
  close(value(f1.ofClass!(s, 2)), 2 / 3, 'c');
  close(value(f1.overall(s)), 32 / 45, 'macro');
  close(value(f1.overall(s)), macroF1(s.truth, s.predicted, s.classes.length), 'lib/train macroF1');
  const { s: big, sk } = sklearnMulticlass();
  close(value(f1.overall(big)), sk.macro_f1, 'scikit-learn');
  const ci = f1.classInterval!(big, 0, INTERVALS);
  assert.equal(ci?.method, 'bootstrap');
  assert.ok(ci && ci.lower <= value(f1.ofClass!(big, 0)) && value(f1.ofClass!(big, 0)) <= ci.upper);
});
