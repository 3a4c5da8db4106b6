// Window quality through the metrics registry: accuracy and macro-F1 as the hand-written code gave them, and every metric per variant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeQuality, qualityByVariant, type VariantRow } from '../../lib/stats/quality.js';
import { wilsonInterval } from '../../lib/stats/intervals.js';
import { bootstrapCI } from '../../lib/train/bootstrap.js';
import { macroF1 } from '../../lib/train/metrics.js';
import { mulberry32 } from '../../lib/train/cv.js';

const CLASSES = ['a', 'b', 'c'];

function rows(n: number, seed: number, variant: VariantRow['variant'], version: number, right: number): VariantRow[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const label = CLASSES[Math.floor(rand() * 3)];
    const predicted = rand() < right ? label : CLASSES[Math.floor(rand() * 3)];
    const p = CLASSES.map((c) => (c === predicted ? 0.6 : 0.2));
    return { variant, version, label, predicted, predictedValue: null, probabilities: p, classes: CLASSES };
  });
}

test('accuracy (Wilson) and macro-F1 (bootstrap) per variant are what the hand-written code computed (to 1e-12: classes are summed in another order)', () => {
  const all = [...rows(150, 1, 'champion', 3, 0.8), ...rows(90, 2, 'challenger', 4, 0.5)];
  const got = qualityByVariant('classification', all, { seed: 11, iterations: 300 });
  assert.deepEqual(got.map((v) => [v.variant, v.version, v.labelledRows]), [['champion', 3, 150], ['challenger', 4, 90]]);
  for (const v of got) {
    const mine = all.filter((r) => r.variant === v.variant);
    // The code this replaced: classes coded in order of appearance, Wilson on the hits, bootstrapCI of macroF1.
    const code = new Map<string, number>();
    const c = (x: string): number => code.get(x) ?? (code.set(x, code.size), code.size - 1);
    const truth = Int32Array.from(mine, (r) => c(r.label as string));
    const guess = Int32Array.from(mine, (r) => c(r.predicted as string));
    const f1 = bootstrapCI(truth, Float64Array.from(guess), (y, p) => macroF1(y, Int32Array.from(p), code.size), { iterations: 300, level: 0.95, seed: 11 });
    assert.deepEqual(v.accuracy, wilsonInterval(mine.filter((r) => r.label === r.predicted).length, mine.length, 0.95));
    assert.equal(v.macroF1?.method, 'bootstrap');
    for (const [got, want] of [[v.macroF1?.value, f1.estimate], [v.macroF1?.lower, f1.lower], [v.macroF1?.upper, f1.upper]]) {
      assert.ok(Math.abs((got ?? NaN) - (want ?? NaN)) <= 1e-12, `macro-F1 ${got} vs ${want}`);
    }
    // And the rest of the registry, per class.
    assert.deepEqual(v.classification?.perClass.map((p) => p.class), CLASSES);
    assert.equal(typeof v.classification?.overall.logLoss.value, 'number');
    assert.equal(typeof v.classification?.perClass[0].metrics.recall.interval?.lower, 'number');
  }
  const champion = all.filter((r) => r.variant === 'champion');
  const judged = judgeQuality('classification', champion, { accuracy: 0.99 }, { minRows: 100, maxAccuracyDrop: 0.1, maxRmseIncrease: 0.5 });
  const acc = champion.filter((r) => r.label === r.predicted).length / champion.length;
  assert.deepEqual(judged.quality, { labelledRows: 150, accuracy: acc, championHoldoutAccuracy: 0.99 });
  assert.equal(judged.reasons.length, 1);
  assert.match(judged.reasons[0], /^accuracy 0\.\d{3} on 150 labelled rows is 0\.\d{3} below the champion's holdout 0\.990$/);
});
