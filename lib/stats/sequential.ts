// Always-valid sequential comparison of a challenger with the champion (mSPRT, normal mixture): see SEQUENTIAL.md.

/** Running moments of one stream of numbers (Chan et al. merge): count, mean, sum of squared deviations (M2). */
export type Moments = { n: number; mean: number; m2: number };
export type Counts = { trials: number; successes: number };
/** Accuracy: successes / trials per variant, unpaired. */
export type ProportionsState = { kind: 'proportions'; champion: Counts; challenger: Counts };
/** Regression: per-row squared or absolute error per variant, unpaired. */
export type MeansState = { kind: 'means'; champion: Moments; challenger: Moments };
/** Shadow: per-request differences challenger − champion on the same requests. */
export type PairedState = { kind: 'paired'; differences: Moments };
export type SequentialState = ProportionsState | MeansState | PairedState;
export type SequentialKind = SequentialState['kind'];

export type ProportionsBatch = { champion: Counts; challenger: Counts };
/** Per-row values (errors, or 0/1 correctness); for `paired`, row i of both arrays is the same request. */
export type ValuesBatch = { champion: readonly number[]; challenger: readonly number[] };

export interface SequentialOptions {
  /** Bound on the probability of ever promoting a challenger that is not better, in (0, 0.5]. */
  alpha: number;
  /** The smallest improvement worth promoting, in the metric's units (> 0). */
  minEffect: number;
  /** true: accuracy-like metrics; false: errors (lower is better). */
  higherIsBetter: boolean;
  /** Samples per variant (pairs for `paired`) after which an undecided test rolls back (fail closed). */
  maxSamples: number;
  /** Variance τ² of the normal mixing distribution; default minEffect² (see SEQUENTIAL.md). */
  tau2?: number;
  /** Samples per variant before the normal approximation is trusted; default 30. */
  minSamples?: number;
}

export type Decision = 'promote' | 'rollback' | 'continue';
/** Why: promote 'better'; rollback 'worse' | 'futile' | 'max-samples'; continue for the others. */
export type DecisionCode = 'better' | 'worse' | 'futile' | 'max-samples' | 'no-samples' | 'too-few-samples' | 'zero-variance' | 'undecided';

export interface SequentialResult {
  kind: SequentialKind;
  samples: { champion: number; challenger: number };
  /** Challenger − champion, signed so that positive is better. */
  estimate: number;
  /** Standard error of the estimate (plug-in). */
  standardError: number;
  /** Mixture likelihood ratio Λ against "no difference" (capped at 1e300); logStatistic is log Λ. */
  statistic: number;
  logStatistic: number;
  /** 1 / alpha: promotion or rejection of "no difference" once Λ reaches it. */
  bound: number;
  /** Always-valid p-value: min over the checks so far of 1 / Λ. */
  pValue: number;
  /** Always-valid confidence sequence [lower, upper] for the improvement, intersected over the checks so far. */
  lower: number;
  upper: number;
  decision: Decision;
  code: DecisionCode;
  reason: string;
}

/** What a check carries to the next: running p-value and sequence (±Infinity before the first interval; JSON null). */
export type Previous = { pValue: number; lower: number | null; upper: number | null };

const emptyMoments = (): Moments => ({ n: 0, mean: 0, m2: 0 });

/** A test with no samples yet. */
export function createState(kind: SequentialKind): SequentialState {
  if (kind === 'proportions') return { kind, champion: { trials: 0, successes: 0 }, challenger: { trials: 0, successes: 0 } };
  if (kind === 'means') return { kind, champion: emptyMoments(), challenger: emptyMoments() };
  if (kind === 'paired') return { kind, differences: emptyMoments() };
  throw new RangeError(`kind must be proportions, means or paired: got ${String(kind)}`);
}

function finite(field: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${field} must be a finite number: got ${String(v)}`);
}

function addValues(m: Moments, values: readonly number[], field: string): Moments {
  let { n, mean, m2 } = m;
  values.forEach((v, i) => {
    finite(`${field}[${i}]`, v);
    n += 1;
    const delta = v - mean;
    mean += delta / n;
    m2 += delta * (v - mean);
  });
  return { n, mean, m2 };
}

function addCounts(c: Counts, b: Counts, field: string): Counts {
  for (const key of ['trials', 'successes'] as const) {
    if (!Number.isInteger(b[key]) || b[key] < 0) throw new RangeError(`${field}.${key} must be a non-negative integer: got ${String(b[key])}`);
  }
  if (b.successes > b.trials) throw new RangeError(`${field}.successes (${b.successes}) exceeds ${field}.trials (${b.trials})`);
  return { trials: c.trials + b.trials, successes: c.successes + b.successes };
}

/** The state after one batch of labelled outcomes (a new object; the input is not changed). */
export function update(state: ProportionsState, batch: ProportionsBatch): ProportionsState;
export function update(state: MeansState | PairedState, batch: ValuesBatch): MeansState | PairedState;
export function update(state: SequentialState, batch: ProportionsBatch | ValuesBatch): SequentialState;
export function update(state: SequentialState, batch: ProportionsBatch | ValuesBatch): SequentialState {
  const { champion, challenger } = batch;
  if (state.kind === 'proportions') {
    if (Array.isArray(champion) || Array.isArray(challenger)) throw new TypeError('batch: proportions take { successes, trials } per variant');
    const b = batch as ProportionsBatch;
    return { kind: 'proportions', champion: addCounts(state.champion, b.champion, 'champion'), challenger: addCounts(state.challenger, b.challenger, 'challenger') };
  }
  if (!Array.isArray(champion) || !Array.isArray(challenger)) throw new TypeError(`batch: ${state.kind} takes arrays of per-row values per variant`);
  const b = batch as ValuesBatch;
  if (state.kind === 'means') {
    return { kind: 'means', champion: addValues(state.champion, b.champion, 'champion'), challenger: addValues(state.challenger, b.challenger, 'challenger') };
  }
  if (b.champion.length !== b.challenger.length) throw new RangeError(`batch: paired rows must match: champion has ${b.champion.length}, challenger ${b.challenger.length}`);
  b.champion.forEach((v, i) => finite(`champion[${i}]`, v));
  return { kind: 'paired', differences: addValues(state.differences, b.challenger.map((v, i) => v - b.champion[i]), 'challenger') };
}

/** Validated options with defaults filled in. */
export function resolveOptions(opts: SequentialOptions): Required<SequentialOptions> {
  finite('alpha', opts.alpha);
  if (!(opts.alpha > 0 && opts.alpha <= 0.5)) throw new RangeError(`alpha must be in (0, 0.5]: got ${opts.alpha}`);
  finite('minEffect', opts.minEffect);
  if (!(opts.minEffect > 0)) throw new RangeError(`minEffect must be > 0: got ${opts.minEffect}`);
  if (typeof opts.higherIsBetter !== 'boolean') throw new TypeError(`higherIsBetter must be a boolean: got ${String(opts.higherIsBetter)}`);
  finite('maxSamples', opts.maxSamples);
  if (!(opts.maxSamples >= 1)) throw new RangeError(`maxSamples must be ≥ 1: got ${opts.maxSamples}`);
  const tau2 = opts.tau2 ?? opts.minEffect * opts.minEffect;
  finite('tau2', tau2);
  if (!(tau2 > 0)) throw new RangeError(`tau2 must be > 0: got ${tau2}`);
  const minSamples = opts.minSamples ?? 30;
  finite('minSamples', minSamples);
  if (!(minSamples >= 2)) throw new RangeError(`minSamples must be ≥ 2: got ${minSamples}`);
  return { alpha: opts.alpha, minEffect: opts.minEffect, higherIsBetter: opts.higherIsBetter, maxSamples: opts.maxSamples, tau2, minSamples };
}

/** log Λ of the normal-mixture SPRT: estimate d ~ N(θ, V), H0: θ = 0, mixing θ ~ N(0, τ²). */
export function logMixtureRatio(d: number, v: number, tau2: number): number {
  return 0.5 * Math.log(v / (v + tau2)) + (tau2 * d * d) / (2 * v * (v + tau2));
}

/** Half-width of the always-valid confidence sequence: the θ with Λ(θ) < 1/α. */
export function halfWidth(v: number, tau2: number, alpha: number): number {
  return Math.sqrt(((v * (v + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((v + tau2) / v)));
}

/** Samples per variant, raw difference challenger − champion, and its plug-in variance. */
function summarize(state: SequentialState): { champion: number; challenger: number; diff: number; variance: number; flat: string } {
  if (state.kind === 'proportions') {
    const { champion: a, challenger: b } = state;
    const pa = a.trials > 0 ? a.successes / a.trials : 0;
    const pb = b.trials > 0 ? b.successes / b.trials : 0;
    const variance = a.trials > 0 && b.trials > 0 ? (pa * (1 - pa)) / a.trials + (pb * (1 - pb)) / b.trials : NaN;
    const flat = `${pa === 1 ? 'all successes' : 'all failures'} for the champion, ${pb === 1 ? 'all successes' : 'all failures'} for the challenger`;
    return { champion: a.trials, challenger: b.trials, diff: pb - pa, variance, flat };
  }
  if (state.kind === 'means') {
    const { champion: a, challenger: b } = state;
    const variance = a.n > 1 && b.n > 1 ? a.m2 / (a.n - 1) / a.n + b.m2 / (b.n - 1) / b.n : NaN;
    return { champion: a.n, challenger: b.n, diff: b.mean - a.mean, variance, flat: 'every value equal within each variant' };
  }
  const d = state.differences;
  const variance = d.n > 1 ? d.m2 / (d.n - 1) / d.n : NaN;
  return { champion: d.n, challenger: d.n, diff: d.mean, variance, flat: 'every difference equal' };
}

/**
 * The test after the latest batch. Pass the previous check's result as `previous` so that the p-value is the running
 * minimum and the confidence sequence the running intersection (as Johari et al. define them). Decision rule, first
 * match wins: promote when lower > 0 and upper ≥ minEffect; roll back when upper < 0 (worse), when upper < minEffect
 * (futile: cannot plausibly be better by minEffect), or when maxSamples is reached (fail closed); otherwise continue.
 */
export function evaluate(state: SequentialState, options: SequentialOptions, previous?: Previous): SequentialResult {
  const opts = resolveOptions(options);
  const s = summarize(state);
  const sign = opts.higherIsBetter ? 1 : -1;
  const samples = { champion: s.champion, challenger: s.challenger };
  const n = Math.min(s.champion, s.challenger);
  const estimate = n > 0 ? sign * s.diff : NaN;
  const base = { kind: state.kind, samples, estimate, bound: 1 / opts.alpha };
  const atMax = n >= opts.maxSamples;
  const hold = (code: DecisionCode, why: string): SequentialResult => ({
    ...base,
    standardError: Number.isFinite(s.variance) ? Math.sqrt(s.variance) : NaN,
    statistic: 1,
    logStatistic: 0,
    pValue: previous?.pValue ?? 1,
    lower: previous?.lower ?? -Infinity,
    upper: previous?.upper ?? Infinity,
    decision: atMax ? 'rollback' : 'continue',
    code: atMax ? 'max-samples' : code,
    reason: atMax ? `maximum of ${opts.maxSamples} samples reached without a win (${why})` : why,
  });
  if (n === 0) return hold('no-samples', s.champion === 0 ? 'no labelled samples for the champion yet' : 'no labelled samples for the challenger yet');
  if (n < opts.minSamples) return hold('too-few-samples', `${n} of the ${opts.minSamples} samples per variant needed before testing`);
  if (!(s.variance > 0)) return hold('zero-variance', `no variation to test: ${s.flat}`);

  const v = s.variance;
  const logStatistic = logMixtureRatio(estimate, v, opts.tau2);
  const h = halfWidth(v, opts.tau2, opts.alpha);
  let lower = Math.max(estimate - h, previous?.lower ?? -Infinity);
  let upper = Math.min(estimate + h, previous?.upper ?? Infinity);
  if (lower > upper) [lower, upper] = [estimate - h, estimate + h]; // running intersection empty: keep the current sequence
  const pValue = Math.min(previous?.pValue ?? 1, Math.exp(-logStatistic), 1);
  const result = { ...base, standardError: Math.sqrt(v), statistic: Math.min(Math.exp(logStatistic), 1e300), logStatistic, pValue, lower, upper };
  const fmt = (x: number): string => x.toPrecision(3);
  const cs = `improvement ${fmt(estimate)}, ${fmt(100 * (1 - opts.alpha))}% confidence sequence [${fmt(lower)}, ${fmt(upper)}]`;
  if (lower > 0 && upper >= opts.minEffect) return { ...result, decision: 'promote', code: 'better', reason: `challenger better: ${cs} excludes 0` };
  if (upper < 0) return { ...result, decision: 'rollback', code: 'worse', reason: `challenger worse: ${cs} is below 0` };
  if (upper < opts.minEffect) return { ...result, decision: 'rollback', code: 'futile', reason: `cannot be better by minEffect ${opts.minEffect}: ${cs}` };
  if (atMax) return { ...result, decision: 'rollback', code: 'max-samples', reason: `maximum of ${opts.maxSamples} samples reached without a win: ${cs}` };
  return { ...result, decision: 'continue', code: 'undecided', reason: `undecided: ${cs}` };
}
