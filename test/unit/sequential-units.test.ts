// The test by unit: delta-method variance on hand-checked sums, today's results when every unit has one request, reasons.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createState, evaluate, halfWidth, logMixtureRatio, update, type RowState, type SequentialOptions, type SequentialState } from '../../lib/stats/sequential.js';
import { ratioMean, ratioVariance, rowsAsUnits, unitSumsOf, type UnitTotal } from '../../lib/stats/unitSums.js';
import { mulberry32 } from '../../lib/train/cv.js';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);
const opts: SequentialOptions = { alpha: 0.05, minEffect: 0.03, higherIsBetter: true, maxSamples: 100_000 };

test('delta method: Σ(yᵢ − m·nᵢ)² / (Σnᵢ)², by hand', () => {
  // Three units: 3 of 4 right, 1 of 1, 0 of 5. m = 4/10; residuals 3 − 1.6 = 1.4, 1 − 0.4 = 0.6, 0 − 2 = −2.
  const units: UnitTotal[] = [{ sum: 3, count: 4 }, { sum: 1, count: 1 }, { sum: 0, count: 5 }];
  const s = unitSumsOf(units);
  assert.deepEqual(s, { units: 3, n: 10, nn: 42, y: 4, yy: 10, yn: 13 });
  close(ratioMean(s), 0.4);
  const residual = 1.4 ** 2 + 0.6 ** 2 + 2 ** 2; // 6.32
  close(ratioVariance(s, false), residual / 100);
  close(ratioVariance(s, true), (residual / 100) * 1.5);
  // The same ten rows as ten independent units: p(1−p)/n = 0.024, far less than the clustered 0.0632.
  close(ratioVariance(rowsAsUnits([1, 1, 1, 0, 1, 0, 0, 0, 0, 0]), false), 0.024);
  // A unit with no values is no unit; fewer than two units have no variance.
  assert.equal(unitSumsOf([{ sum: 0, count: 0 }, { sum: 2, count: 3 }]).units, 1);
  assert.ok(Number.isNaN(ratioVariance(unitSumsOf([{ sum: 2, count: 3 }]), true)));
});

test('every unit with one request: exactly the per-request test of before (proportions, means, paired)', () => {
  const rand = mulberry32(7);
  const rows = (n: number, f: () => number): number[] => Array.from({ length: n }, f);
  const sum = (x: number[]): number => x.reduce((p, q) => p + q, 0);
  const mean = (x: number[]): number => sum(x) / x.length;
  const m2 = (x: number[]): number => sum(x.map((v) => (v - mean(x)) ** 2));
  const one = (x: number[]): UnitTotal[] => x.map((v) => ({ sum: v, count: 1 }));
  // Today's variances, as the per-request test computed them: p(1−p)/n, s²/n (sample variance), s_d²/n.
  const a = rows(400, () => (rand() < 0.8 ? 1 : 0));
  const b = rows(380, () => (rand() < 0.84 ? 1 : 0));
  const e0 = rows(300, () => -Math.log(1 - rand()));
  const e1 = rows(320, () => -0.9 * Math.log(1 - rand()));
  const d = rows(500, () => (rand() < 0.06 ? 1 : rand() < 0.04 ? -1 : 0));
  const cases: { state: SequentialState; v1: RowState; o: SequentialOptions; variance: number; estimate: number }[] = [
    {
      state: { kind: 'proportions', version: 2, champion: unitSumsOf(one(a)), challenger: unitSumsOf(one(b)) },
      v1: { kind: 'proportions', champion: { trials: a.length, successes: sum(a) }, challenger: { trials: b.length, successes: sum(b) } },
      o: opts, variance: (mean(a) * (1 - mean(a))) / a.length + (mean(b) * (1 - mean(b))) / b.length, estimate: mean(b) - mean(a),
    },
    {
      state: { kind: 'means', version: 2, champion: unitSumsOf(one(e0)), challenger: unitSumsOf(one(e1)) },
      v1: { kind: 'means', champion: { n: e0.length, mean: mean(e0), m2: m2(e0) }, challenger: { n: e1.length, mean: mean(e1), m2: m2(e1) } },
      o: { ...opts, higherIsBetter: false, minEffect: 0.1 }, variance: m2(e0) / (e0.length - 1) / e0.length + m2(e1) / (e1.length - 1) / e1.length, estimate: mean(e0) - mean(e1),
    },
    {
      state: { kind: 'paired', version: 2, differences: unitSumsOf(one(d)) },
      v1: { kind: 'paired', differences: { n: d.length, mean: mean(d), m2: m2(d) } },
      o: opts, variance: m2(d) / (d.length - 1) / d.length, estimate: mean(d),
    },
  ];
  for (const { state, v1, o, variance, estimate } of cases) {
    const r = evaluate(state, o);
    const tau2 = o.minEffect ** 2;
    close(r.estimate, estimate);
    close(r.standardError ** 2, variance);
    close(r.logStatistic, logMixtureRatio(estimate, variance, tau2));
    close(r.upper - r.estimate, halfWidth(variance, tau2, o.alpha));
    assert.deepEqual(r.units, r.samples, 'one unit per request');
    // A state of version 1 (as a rollout in flight had it) reads the same.
    const old = evaluate(v1, o);
    for (const key of ['estimate', 'standardError', 'lower', 'upper', 'pValue'] as const) close(old[key], r[key]);
    assert.equal(old.decision, r.decision);
  }
});

test('clustered: the same rows grouped in few units give a wider sequence, and fewer units than minUnits hold', () => {
  // 40 units per variant of 25 requests each; a unit is right all the time or never (the extreme of clustering).
  const side = (rightUnits: number): { sum: number; count: number }[] => Array.from({ length: 40 }, (_, i) => ({ sum: i < rightUnits ? 25 : 0, count: 25 }));
  const clustered: SequentialState = { kind: 'proportions', version: 2, champion: unitSumsOf(side(28)), challenger: unitSumsOf(side(34)) };
  const flat: RowState = { kind: 'proportions', champion: { trials: 1000, successes: 700 }, challenger: { trials: 1000, successes: 850 } };
  const c = evaluate(clustered, opts);
  const r = evaluate(flat, opts);
  close(c.estimate, r.estimate);
  close(c.standardError, r.standardError * 5, 1e-9); // every unit's 25 requests say the same thing: √25 times the error
  assert.equal(r.decision, 'promote', 'per request: 2,000 independent answers');
  assert.equal(c.decision, 'continue', 'per unit: 80 units');
  assert.deepEqual(c.units, { champion: 40, challenger: 40 });
  assert.match(c.reason, /over 40 champion and 40 challenger units/);
  const few = evaluate(clustered, { ...opts, minUnits: 41 });
  assert.equal(few.code, 'too-few-units');
  assert.match(few.reason, /^40 of the 41 units per variant needed before testing \(champion 40, challenger 40\)/);
  assert.equal(evaluate(clustered, { ...opts, minUnits: 41, maxSamples: 1000 }).code, 'max-samples', 'maxSamples still fails closed');
});

test('a rolled-back challenger is called worse only when the sequence is below 0; otherwise not better enough', () => {
  const prop = (a: number, b: number, n: number): RowState => ({ kind: 'proportions', champion: { trials: n, successes: Math.round(a * n) }, challenger: { trials: n, successes: Math.round(b * n) } });
  const worse = evaluate(prop(0.8, 0.7, 3000), opts);
  assert.equal(worse.code, 'worse');
  assert.match(worse.reason, /^challenger worse: improvement -0\.1\d*, 95\.0% confidence sequence \[-0\.1\d*, -0\.0\d*\] over 3000 champion and 3000 challenger units is below 0$/);
  const unsure = evaluate(prop(0.8, 0.79, 4000), { ...opts, minEffect: 0.05 });
  assert.equal(unsure.code, 'futile');
  assert.ok(unsure.lower < 0 && unsure.upper >= 0 && unsure.upper < 0.05);
  assert.match(unsure.reason, /^challenger not better enough: an improvement of minEffect 0\.05 is ruled out, and it is not shown worse \(the sequence includes 0\): /);
  const small = evaluate(prop(0.7, 0.72, 200_000), { ...opts, minEffect: 0.05, maxSamples: 1_000_000 });
  assert.equal(small.code, 'futile');
  assert.ok(small.lower > 0);
  assert.match(small.reason, /^challenger not better enough: better, but by less than minEffect 0\.05: /);
  assert.doesNotMatch([worse, unsure, small].map((r) => r.reason).join('\n'), /cannot be better/);
});

test('state version 2 is checked field by field; version 1 and batches of units still work', () => {
  const good = unitSumsOf([{ sum: 1, count: 2 }, { sum: 2, count: 2 }]);
  const bad = (s: object): SequentialState => s as SequentialState;
  assert.throws(() => evaluate(bad({ kind: 'proportions', version: 2, champion: { ...good, nn: -1 }, challenger: good }), opts), /champion\.nn must be a non-negative integer/);
  assert.throws(() => evaluate(bad({ kind: 'means', version: 2, champion: good, challenger: { ...good, yy: NaN } }), opts), /challenger\.yy must be a finite number/);
  assert.throws(() => evaluate(bad({ kind: 'proportions', version: 2, champion: { ...good, y: 9 }, challenger: good }), opts), /champion: 9 successes are outside 0…4 trials/);
  assert.throws(() => evaluate(bad({ kind: 'paired', version: 3, differences: good }), opts), /state\.version must be 2: got 3/);
  assert.throws(() => evaluate(bad({ kind: 'paired', version: 2, differences: { ...good, units: 9 } }), opts), /9 units cannot have only 4 values/);
  assert.throws(() => unitSumsOf([{ sum: 1, count: 1.5 }]), /units\[0\]\.count must be a non-negative integer/);
  assert.throws(() => evaluate(createState('means'), { ...opts, minUnits: 1 }), /minUnits must be an integer ≥ 2/);
  // Batches of new units add up; a version 1 state goes on as version 2.
  const s = update(update(createState('means'), { champion: good, challenger: good }), { champion: good, challenger: good });
  assert.deepEqual(s.kind === 'means' && s.champion, { units: 4, n: 8, nn: 16, y: 6, yy: 10, yn: 12 });
  const v1: RowState = { kind: 'paired', differences: { n: 2, mean: 0.5, m2: 0.5 } };
  assert.deepEqual(update(v1, { differences: good }), { kind: 'paired', version: 2, differences: { units: 4, n: 6, nn: 10, y: 4, yy: 6, yn: 7 } });
});
