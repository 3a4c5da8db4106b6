// Tests for the always-valid sequential comparison: formulas on hand-checked cases, and seeded simulations with known truth.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../lib/train/cv.js';
import {
  createState,
  evaluate,
  halfWidth,
  logMixtureRatio,
  update,
  type Previous,
  type ProportionsBatch,
  type SequentialKind,
  type SequentialOptions,
  type SequentialResult,
  type SequentialState,
  type ValuesBatch,
} from '../../lib/stats/sequential.js';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);

test('mixture likelihood ratio and confidence-sequence half-width match the closed forms', () => {
  // d = 0.1, V = 0.01, τ² = 0.01: Λ = sqrt(1/2) · exp(0.01 · 0.01 / (2 · 0.01 · 0.02)) = sqrt(1/2) · e^0.25.
  close(Math.exp(logMixtureRatio(0.1, 0.01, 0.01)), Math.SQRT1_2 * Math.exp(0.25));
  // h² = V(V+τ²)/τ² · (2 log(1/α) + log((V+τ²)/V)) = 0.02 · (2 log 20 + log 2).
  close(halfWidth(0.01, 0.01, 0.05), Math.sqrt(0.02 * (2 * Math.log(20) + Math.log(2))));
  // The CS boundary is where Λ reaches 1/α.
  const h = halfWidth(0.004, 0.0009, 0.05);
  close(logMixtureRatio(h, 0.004, 0.0009), Math.log(20));
});

test('proportions: sufficient statistics, estimate in the better direction, p-value = 1/Λ', () => {
  let s = createState('proportions');
  s = update(s, { champion: { successes: 40, trials: 50 }, challenger: { successes: 45, trials: 50 } });
  s = update(s, { champion: { successes: 40, trials: 50 }, challenger: { successes: 45, trials: 50 } });
  // Each trial is its own unit: Σnᵢ = Σnᵢ² = trials, Σyᵢ = Σyᵢ² = Σyᵢnᵢ = successes.
  assert.deepEqual(s, {
    kind: 'proportions', version: 2,
    champion: { units: 100, n: 100, nn: 100, y: 80, yy: 80, yn: 80 }, challenger: { units: 100, n: 100, nn: 100, y: 90, yy: 90, yn: 90 },
  });
  const opts: SequentialOptions = { alpha: 0.05, minEffect: 0.03, higherIsBetter: true, maxSamples: 5000 };
  const r = evaluate(s, opts);
  const v = (0.8 * 0.2) / 100 + (0.9 * 0.1) / 100; // 0.0025
  close(r.estimate, 0.1);
  close(r.standardError, 0.05);
  close(r.logStatistic, 0.5 * Math.log(v / (v + 0.0009)) + (0.0009 * 0.01) / (2 * v * (v + 0.0009)));
  close(r.pValue, Math.min(1, Math.exp(-r.logStatistic)));
  close(r.upper - r.estimate, halfWidth(v, 0.0009, 0.05));
  assert.equal(r.bound, 20);
  assert.deepEqual(r.samples, { champion: 100, challenger: 100 });
  // Lower is better flips the sign of the estimate and of the interval.
  const flipped = evaluate(s, { ...opts, higherIsBetter: false });
  close(flipped.estimate, -0.1);
  close(flipped.lower, -r.upper);
});

test('means and paired: unit sums add across batches; paired differences are challenger − champion', () => {
  let m = createState('means');
  m = update(m, { champion: [1, 2], challenger: [4] });
  m = update(m, { champion: [3], challenger: [6, 8] });
  assert.deepEqual(m, { kind: 'means', version: 2, champion: { units: 3, n: 3, nn: 3, y: 6, yy: 14, yn: 6 }, challenger: { units: 3, n: 3, nn: 3, y: 18, yy: 116, yn: 18 } });
  const r = evaluate(m, { alpha: 0.05, minEffect: 1, higherIsBetter: false, maxSamples: 100, minSamples: 2, minUnits: 2 });
  close(r.estimate, -4); // errors: the challenger's are 4 higher, so it is worse
  close(r.standardError, Math.sqrt(1 / 3 + 4 / 3));
  let p = createState('paired');
  p = update(p, { champion: [1, 0, 1, 1], challenger: [1, 1, 0, 1] });
  assert.deepEqual(p, { kind: 'paired', version: 2, differences: { units: 4, n: 4, nn: 4, y: 0, yy: 2, yn: 0 } });
});

test('running p-value and confidence sequence: min and intersection over checks', () => {
  const opts: SequentialOptions = { alpha: 0.05, minEffect: 0.03, higherIsBetter: true, maxSamples: 5000 };
  const s = update(createState('proportions'), { champion: { successes: 80, trials: 100 }, challenger: { successes: 82, trials: 100 } });
  const prev = { pValue: 0.3, lower: -0.01, upper: 0.12 };
  const r = evaluate(s, opts, prev);
  assert.equal(r.pValue, 0.3);
  assert.equal(r.lower, -0.01);
  assert.equal(r.upper, 0.12);
  // Before the first interval the sequence is unbounded; a result that went through JSON (null) is accepted back.
  const none = evaluate(createState('proportions'), opts);
  assert.equal(none.lower, -Infinity);
  const again = evaluate(s, opts, JSON.parse(JSON.stringify(none)) as Previous);
  close(again.upper - again.estimate, again.estimate - again.lower);
});

test('degenerate inputs continue with a named reason; maxSamples fails closed', () => {
  const opts: SequentialOptions = { alpha: 0.05, minEffect: 0.03, higherIsBetter: true, maxSamples: 200 };
  const empty = evaluate(createState('proportions'), opts);
  assert.equal(empty.decision, 'continue');
  assert.equal(empty.code, 'no-samples');
  const few = evaluate(update(createState('means'), { champion: [1, 2, 3], challenger: [1, 2] }), opts);
  assert.equal(few.code, 'too-few-samples');
  const allOk = update(createState('proportions'), { champion: { successes: 100, trials: 100 }, challenger: { successes: 100, trials: 100 } });
  const r = evaluate(allOk, opts);
  assert.equal(r.code, 'zero-variance');
  assert.match(r.reason, /all successes/);
  const flat = evaluate(update(createState('paired'), { champion: Array<number>(50).fill(1), challenger: Array<number>(50).fill(1) }), opts);
  assert.equal(flat.code, 'zero-variance');
  const atMax = evaluate(update(allOk, { champion: { successes: 100, trials: 100 }, challenger: { successes: 100, trials: 100 } }), opts);
  assert.equal(atMax.decision, 'rollback');
  assert.equal(atMax.code, 'max-samples');
});

test('inputs are validated with errors naming the field', () => {
  const s = createState('proportions');
  const opts: SequentialOptions = { alpha: 0.05, minEffect: 0.03, higherIsBetter: true, maxSamples: 200 };
  assert.throws(() => evaluate(s, { ...opts, alpha: 0.7 }), /alpha/);
  assert.throws(() => evaluate(s, { ...opts, alpha: 0 }), /alpha/);
  assert.throws(() => evaluate(s, { ...opts, minEffect: 0 }), /minEffect/);
  assert.throws(() => evaluate(s, { ...opts, minEffect: NaN }), /minEffect/);
  assert.throws(() => evaluate(s, { ...opts, tau2: -1 }), /tau2/);
  assert.throws(() => evaluate(s, { ...opts, maxSamples: Infinity }), /maxSamples/);
  assert.throws(() => update(s, { champion: { successes: 5, trials: 3 }, challenger: { successes: 0, trials: 0 } }), /champion\.successes/);
  assert.throws(() => update(s, { champion: { successes: 1.5, trials: 3 }, challenger: { successes: 0, trials: 0 } }), /champion\.successes/);
  assert.throws(() => update(createState('means'), { champion: [1, NaN], challenger: [] }), /champion\[1\]/);
  assert.throws(() => update(createState('paired'), { champion: [1, 2], challenger: [1] }), /paired/);
  assert.throws(() => createState('bogus' as SequentialKind), /kind/);
});

// ---- Simulations: every experiment is checked after every batch (peeking), and stops at the first decision. ----

type Batcher = (rand: () => number) => ProportionsBatch | ValuesBatch;

interface Outcome {
  promoted: number;
  rolledBack: number;
  median: number;
  codes: Record<string, number>;
}

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function simulate(kind: SequentialKind, opts: SequentialOptions, experiments: number, seed: number, batch: Batcher): Outcome {
  const rand = mulberry32(seed);
  const stops: number[] = [];
  const codes: Record<string, number> = {};
  let promoted = 0;
  let rolledBack = 0;
  for (let e = 0; e < experiments; e++) {
    let state: SequentialState = createState(kind);
    let result: SequentialResult | undefined;
    do {
      state = update(state, batch(rand));
      result = evaluate(state, opts, result);
    } while (result.decision === 'continue');
    if (result.decision === 'promote') promoted++;
    else rolledBack++;
    codes[result.code] = (codes[result.code] ?? 0) + 1;
    stops.push(Math.min(result.samples.champion, result.samples.challenger));
  }
  stops.sort((a, b) => a - b);
  return { promoted, rolledBack, median: stops[Math.floor(stops.length / 2)], codes };
}

function report(name: string, experiments: number, o: Outcome): void {
  const rate = (x: number): string => (x / experiments).toFixed(3);
  console.log(`${name}: promoted ${rate(o.promoted)}, rolled back ${rate(o.rolledBack)} of ${experiments}; median samples per variant to a decision ${o.median}; ${JSON.stringify(o.codes)}`);
}

function proportions(p0: number, p1: number, size: number): Batcher {
  const draw = (rand: () => number, p: number): number => {
    let k = 0;
    for (let i = 0; i < size; i++) if (rand() < p) k++;
    return k;
  };
  return (rand) => ({ champion: { successes: draw(rand, p0), trials: size }, challenger: { successes: draw(rand, p1), trials: size } });
}

/** Squared errors of normal residuals with variances v0 (champion) and v1 (challenger): mean v, variance 2v². */
function squaredErrors(v0: number, v1: number, size: number): Batcher {
  const draw = (rand: () => number, v: number): number[] => Array.from({ length: size }, () => v * normal(rand) ** 2);
  return (rand) => ({ champion: draw(rand, v0), challenger: draw(rand, v1) });
}

/** Shadow: the same requests, champion correct with 0.8; P(challenger alone right) = up, P(champion alone right) = down. */
function shadow(up: number, down: number, size: number): Batcher {
  return (rand) => {
    const champion: number[] = [];
    const challenger: number[] = [];
    for (let i = 0; i < size; i++) {
      const c0 = rand() < 0.8 ? 1 : 0;
      const u = rand();
      const c1 = c0 === 1 ? (u < down / 0.8 ? 0 : 1) : u < up / 0.2 ? 1 : 0;
      champion.push(c0);
      challenger.push(c1);
    }
    return { champion, challenger };
  };
}

const alpha = 0.05;
const nullRuns = 1000;
// Simulation noise on a rate measured over nullRuns experiments: 2 binomial standard errors at alpha (≈ 0.014).
const tolerance = 2 * Math.sqrt((alpha * (1 - alpha)) / nullRuns);
const powerRuns = 400;

const scenarios: { kind: SequentialKind; opts: SequentialOptions; equal: Batcher; better: Batcher; worse: Batcher }[] = [
  {
    kind: 'proportions',
    opts: { alpha, minEffect: 0.03, higherIsBetter: true, maxSamples: 6000 },
    equal: proportions(0.8, 0.8, 200),
    better: proportions(0.8, 0.83, 200),
    worse: proportions(0.8, 0.77, 200),
  },
  {
    kind: 'means',
    opts: { alpha, minEffect: 0.1, higherIsBetter: false, maxSamples: 6000 },
    equal: squaredErrors(1, 1, 200),
    better: squaredErrors(1, 0.9, 200),
    worse: squaredErrors(1, 1.1, 200),
  },
  {
    kind: 'paired',
    opts: { alpha, minEffect: 0.03, higherIsBetter: true, maxSamples: 1500 },
    equal: shadow(0.03, 0.03, 50),
    better: shadow(0.045, 0.015, 50),
    worse: shadow(0.015, 0.045, 50),
  },
];

for (const [i, sc] of scenarios.entries()) {
  test(`${sc.kind} simulation: equal ≤ alpha promoted, better by minEffect ≥ 80%, worse never and early`, () => {
    const equal = simulate(sc.kind, sc.opts, nullRuns, 100 + i, sc.equal);
    report(`${sc.kind} equal`, nullRuns, equal);
    assert.ok(equal.promoted / nullRuns <= alpha + tolerance, `equal promoted ${equal.promoted / nullRuns}`);

    const better = simulate(sc.kind, sc.opts, powerRuns, 200 + i, sc.better);
    report(`${sc.kind} better by minEffect`, powerRuns, better);
    assert.ok(better.promoted / powerRuns >= 0.8, `better promoted ${better.promoted / powerRuns}`);

    const worse = simulate(sc.kind, sc.opts, powerRuns, 300 + i, sc.worse);
    report(`${sc.kind} worse by minEffect`, powerRuns, worse);
    assert.equal(worse.promoted, 0);
    assert.ok(worse.median <= sc.opts.maxSamples / 3, `median samples to rollback ${worse.median}`);
  });
}
