// Window quality: Wilson / normal / RMSE intervals (known values, seeded coverage simulations) and quality per variant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanInterval, normalQuantile, rmseInterval, wilsonInterval } from '../../lib/stats/intervals.js';
import { qualityByVariant, type VariantRow } from '../../lib/stats/quality.js';
import { mulberry32 } from '../../lib/train/cv.js';

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

test('normal quantiles and the Wilson interval match published values', () => {
  close(normalQuantile(0.975), 1.959963985, 1e-8, 'z 97.5%');
  close(normalQuantile(0.5), 0, 1e-12, 'median');
  close(normalQuantile(0.001), -3.090232306, 1e-8, 'z 0.1%');
  close(normalQuantile(0.995), -normalQuantile(0.005), 1e-9, 'symmetry');
  // Wilson 95% for 8 of 10 (Newcombe 1998, method 3): 0.4902–0.9433.
  const w = wilsonInterval(8, 10);
  close(w.lower, 0.4902, 1e-4, 'lower');
  close(w.upper, 0.9433, 1e-4, 'upper');
  assert.equal(w.value, 0.8);
  // 0 of 20 still has a positive upper end (the Wald interval would be [0, 0]).
  const none = wilsonInterval(0, 20);
  assert.equal(none.lower, 0);
  close(none.upper, 0.1611, 1e-4, 'upper of 0/20');
});

test('coverage by seeded simulation: Wilson (n = 40, p = 0.85), mean and RMSE (n = 150) stay near 95%', () => {
  const rand = mulberry32(42);
  const sims = 4000;
  let wilson = 0;
  let mean = 0;
  let rmse = 0;
  for (let s = 0; s < sims; s++) {
    let hits = 0;
    for (let i = 0; i < 40; i++) if (rand() < 0.85) hits++;
    const w = wilsonInterval(hits, 40);
    if (w.lower <= 0.85 && 0.85 <= w.upper) wilson++;
    // Errors with bias 0.5 and sd 2: true mean 0.5, true RMSE sqrt(0.25 + 4).
    const errors = Array.from({ length: 150 }, () => 0.5 + 2 * normal(rand));
    const m = meanInterval(errors);
    if (m.lower <= 0.5 && 0.5 <= m.upper) mean++;
    const r = rmseInterval(errors);
    if (r.lower <= Math.sqrt(4.25) && Math.sqrt(4.25) <= r.upper) rmse++;
  }
  for (const [name, covered] of Object.entries({ wilson, mean, rmse })) {
    const rate = covered / sims;
    process.stdout.write(`${name} coverage ${rate}\n`);
    assert.ok(rate >= 0.93 && rate <= 0.975, `${name} coverage ${rate}`);
  }
});

test('coverage by seeded simulation: the bootstrap macro-F1 interval (n = 200, 3 classes) covers the true value ≥ 90%', () => {
  const rand = mulberry32(7);
  // A classifier that is right with probability 0.7, else picks another class at random; class shares 0.5 / 0.3 / 0.2.
  const draw = (): VariantRow => {
    const u = rand();
    const truth = u < 0.5 ? 'a' : u < 0.8 ? 'b' : 'c';
    const others = ['a', 'b', 'c'].filter((c) => c !== truth);
    const predicted = rand() < 0.7 ? truth : others[Math.floor(rand() * 2)];
    return { variant: 'champion', version: 1, label: truth, predicted, predictedValue: null };
  };
  const truth = qualityByVariant('classification', Array.from({ length: 200_000 }, draw), { iterations: 1 })[0].macroF1?.value ?? NaN;
  const sims = 300;
  let covered = 0;
  for (let s = 0; s < sims; s++) {
    const q = qualityByVariant('classification', Array.from({ length: 200 }, draw), { seed: s, iterations: 300 })[0].macroF1;
    if (q && q.lower <= truth && truth <= q.upper) covered++;
  }
  process.stdout.write(`macro-F1 coverage ${covered / sims}\n`);
  assert.ok(covered / sims >= 0.9 && covered / sims <= 0.99, `macro-F1 coverage ${covered / sims} (truth ${truth})`);
});

test('quality per variant: champion, challenger and shadow by version, with counts and the rows that count', () => {
  const rows: VariantRow[] = [];
  const add = (variant: VariantRow['variant'], version: number, label: string | null, predicted: string | null, times: number): void => {
    for (let i = 0; i < times; i++) rows.push({ variant, version, label, predicted, predictedValue: null });
  };
  add('shadow', 3, 'rain', 'rain', 30);
  add('champion', 1, 'rain', 'rain', 60);
  add('champion', 1, 'rain', 'sun', 40);
  add('champion', 1, null, 'sun', 25); // unlabelled: left out
  add('challenger', 2, 'sun', 'sun', 9);
  add('challenger', 2, 'sun', 'rain', 1);
  const q = qualityByVariant('classification', rows);
  assert.deepEqual(q.map((v) => [v.variant, v.version, v.labelledRows]), [['champion', 1, 100], ['challenger', 2, 10], ['shadow', 3, 30]]);
  assert.equal(q[0].accuracy?.value, 0.6);
  assert.deepEqual([q[0].accuracy?.lower, q[0].accuracy?.upper].map((x) => Number(x?.toFixed(4))), [0.5020, 0.6906]);
  assert.equal(q[1].accuracy?.value, 0.9);
  assert.equal(q[2].accuracy?.value, 1);
  assert.equal(q[2].macroF1?.value, 1);
  // Champion macro-F1 by hand: rain F1 = 2·60/(100+60) = 0.75, sun F1 = 0 → 0.375.
  close(q[0].macroF1?.value ?? NaN, 0.375, 1e-12, 'macro-F1');
  assert.ok((q[0].macroF1?.lower ?? 1) < 0.375 && 0.375 < (q[0].macroF1?.upper ?? 0));
  assert.equal(q[0].rmse, null);

  const reg = qualityByVariant('regression', [
    { variant: 'champion', version: 1, label: '3', predicted: null, predictedValue: 1 },
    { variant: 'champion', version: 1, label: '-1', predicted: null, predictedValue: 1 },
    { variant: 'champion', version: 1, label: 'n/a', predicted: null, predictedValue: 1 },
    { variant: 'challenger', version: 2, label: '1', predicted: null, predictedValue: 1 },
  ]);
  assert.deepEqual(reg.map((v) => [v.variant, v.labelledRows]), [['champion', 2], ['challenger', 1]]);
  assert.equal(reg[0].rmse?.value, 2);
  assert.equal(reg[0].mae?.value, 2);
  assert.equal(reg[1].rmse, null, 'one row gives no interval');
});
