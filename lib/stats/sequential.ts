// Always-valid sequential comparison of a challenger with the champion (mSPRT, normal mixture): see SEQUENTIAL.md.

import { ratioMean, ratioVariance, type UnitSums } from './unitSums.js';
import { toUnits, type RowState, type SequentialKind, type SequentialState } from './sequentialState.js';

export * from './sequentialState.js';

/** Units per variant before the test may decide, unless the options say otherwise (see SEQUENTIAL.md, Assumptions). */
export const DEFAULT_MIN_UNITS = 30;

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
  /** Units per variant (the randomization unit, e.g. users) before the test may decide; default DEFAULT_MIN_UNITS. */
  minUnits?: number;
}

export type Decision = 'promote' | 'rollback' | 'continue';
/** Why: promote 'better'; rollback 'worse' | 'futile' | 'max-samples'; continue for the others. */
export type DecisionCode = 'better' | 'worse' | 'futile' | 'max-samples' | 'no-samples' | 'too-few-samples' | 'too-few-units' | 'zero-variance' | 'undecided';

export interface SequentialResult {
  kind: SequentialKind;
  /** Labelled samples per variant (pairs in shadow), each request id counted once. */
  samples: { champion: number; challenger: number };
  /** Units the samples came from, per variant (the same number twice in shadow): the test's independent observations. */
  units: { champion: number; challenger: number };
  /** Challenger − champion, signed so that positive is better. */
  estimate: number;
  /** Standard error of the estimate: the delta method over units (see SEQUENTIAL.md). */
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

function finite(field: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${field} must be a finite number: got ${String(v)}`);
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
  const minUnits = opts.minUnits ?? DEFAULT_MIN_UNITS;
  if (!Number.isInteger(minUnits) || minUnits < 2) throw new RangeError(`minUnits must be an integer ≥ 2: got ${String(minUnits)}`);
  return { alpha: opts.alpha, minEffect: opts.minEffect, higherIsBetter: opts.higherIsBetter, maxSamples: opts.maxSamples, tau2, minSamples, minUnits };
}

/** log Λ of the normal-mixture SPRT: estimate d ~ N(θ, V), H0: θ = 0, mixing θ ~ N(0, τ²). */
export function logMixtureRatio(d: number, v: number, tau2: number): number {
  return 0.5 * Math.log(v / (v + tau2)) + (tau2 * d * d) / (2 * v * (v + tau2));
}

/** Half-width of the always-valid confidence sequence: the θ with Λ(θ) < 1/α. */
export function halfWidth(v: number, tau2: number, alpha: number): number {
  return Math.sqrt(((v * (v + tau2)) / tau2) * (2 * Math.log(1 / alpha) + Math.log((v + tau2) / v)));
}

interface Summary {
  champion: UnitSums;
  challenger: UnitSums;
  diff: number;
  variance: number;
  flat: string;
}

/** Sums per variant, raw difference challenger − champion, and its variance over units (delta method). */
function summarize(state: SequentialState): Summary {
  if (state.kind === 'paired') {
    const d = state.differences;
    return { champion: d, challenger: d, diff: ratioMean(d), variance: ratioVariance(d, true), flat: 'every unit\'s mean difference equal' };
  }
  const { champion: a, challenger: b } = state;
  // Proportions keep the binomial plug-in p(1−p)/n; means the sample variance s²/n (each when every unit has one row).
  const smallSample = state.kind === 'means';
  const pa = ratioMean(a);
  const pb = ratioMean(b);
  const variance = ratioVariance(a, smallSample) + ratioVariance(b, smallSample);
  const edge = (p: number): boolean => p === 0 || p === 1;
  const flat = state.kind === 'means'
    ? 'every unit\'s mean equal within each variant'
    : edge(pa) && edge(pb)
      ? `${pa === 1 ? 'all successes' : 'all failures'} for the champion, ${pb === 1 ? 'all successes' : 'all failures'} for the challenger`
      : 'every unit\'s rate equal to its variant\'s';
  return { champion: a, challenger: b, diff: pb - pa, variance, flat };
}

/**
 * The test after the latest batch. Pass the previous check's result as `previous` so that the p-value is the running
 * minimum and the confidence sequence the running intersection (as Johari et al. define them). Decision rule, first
 * match wins: promote when lower > 0 and upper ≥ minEffect; roll back when upper < 0 (worse), when upper < minEffect
 * (futile: not better enough), or when maxSamples is reached (fail closed); otherwise continue. A state of version 1
 * (rows) is read as one unit per row.
 */
export function evaluate(state: SequentialState | RowState, options: SequentialOptions, previous?: Previous): SequentialResult {
  const opts = resolveOptions(options);
  const units = toUnits(state);
  const s = summarize(units);
  const sign = opts.higherIsBetter ? 1 : -1;
  const samples = { champion: s.champion.n, challenger: s.challenger.n };
  const unitCounts = { champion: s.champion.units, challenger: s.challenger.units };
  const n = Math.min(samples.champion, samples.challenger);
  const k = Math.min(unitCounts.champion, unitCounts.challenger);
  const estimate = n > 0 ? sign * s.diff : NaN;
  const base = { kind: units.kind, samples, units: unitCounts, estimate, bound: 1 / opts.alpha };
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
  if (n === 0) return hold('no-samples', samples.champion === 0 ? 'no labelled samples for the champion yet' : 'no labelled samples for the challenger yet');
  if (n < opts.minSamples) return hold('too-few-samples', `${n} of the ${opts.minSamples} samples per variant needed before testing`);
  if (k < opts.minUnits) {
    const side = units.kind === 'paired' ? '' : ` (champion ${unitCounts.champion}, challenger ${unitCounts.challenger})`;
    return hold('too-few-units', `${k} of the ${opts.minUnits} units per variant needed before testing${side}: a unit's requests are not independent, so evidence grows with units, not requests`);
  }
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
  const over = units.kind === 'paired' ? `${k} units` : `${unitCounts.champion} champion and ${unitCounts.challenger} challenger units`;
  const cs = `improvement ${fmt(estimate)}, ${fmt(100 * (1 - opts.alpha))}% confidence sequence [${fmt(lower)}, ${fmt(upper)}] over ${over}`;
  if (lower > 0 && upper >= opts.minEffect) return { ...result, decision: 'promote', code: 'better', reason: `challenger better: ${cs} excludes 0` };
  if (upper < 0) return { ...result, decision: 'rollback', code: 'worse', reason: `challenger worse: ${cs} is below 0` };
  if (upper < opts.minEffect) {
    const why = lower > 0
      ? `better, but by less than minEffect ${opts.minEffect}`
      : `an improvement of minEffect ${opts.minEffect} is ruled out, and it is not shown worse (the sequence includes 0)`;
    return { ...result, decision: 'rollback', code: 'futile', reason: `challenger not better enough: ${why}: ${cs}` };
  }
  if (atMax) return { ...result, decision: 'rollback', code: 'max-samples', reason: `maximum of ${opts.maxSamples} samples reached without a win: ${cs}` };
  return { ...result, decision: 'continue', code: 'undecided', reason: `undecided: ${cs}` };
}
