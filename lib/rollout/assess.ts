// One check of a rollout: guardrails, then the sequential test, then the stage's clock → continue, advance, promote or roll back.
import { ROLLOUT_METRIC_SPECS, type RolloutMetric, type RolloutPolicy } from '../config/rollout.js';
import { DEFAULT_MIN_UNITS, evaluate, type PairedState, type Previous, type RowState, type SequentialResult, type SequentialState, type SplitState } from '../stats/sequential.js';
import { ratioMean, ratioVariance, type UnitSums } from '../stats/unitSums.js';
import { metricGuardrails, unjudgedMetricGuardrails, type VariantMetrics } from './metricGuardrails.js';
import { modelMetricGuard, successTest } from './successTest.js';

/** What serving saw of one variant in the stage: requests and scoring errors, and the p99 of its logged latency. */
export interface VariantTraffic {
  requests: number;
  errors: number;
  p99LatencyMs: number | null;
  /** Logged answers the p99 was taken over. */
  latencyRows: number;
}

export interface Observation {
  stageIndex: number;
  /** Seconds the stage has run, paused time excluded. */
  elapsedSeconds: number;
  traffic: { champion: VariantTraffic; challenger: VariantTraffic };
  /**
   * Shadow: requests both answered, and how many of them they answered differently; null in split stages. `perUnit`:
   * the same as sums over units (each unit's pairs and disagreements), for the rate's standard error.
   */
  disagreement: { pairs: number; disagree: number; perUnit?: UnitSums } | null;
  /** PSI of the challenger's predictions against the champion's in the stage; null when either has too few. */
  predictionShift: number | null;
  /** Labelled outcomes for the test, as sums over units: paired in shadow, per variant since the first split stage otherwise. */
  outcomes: SequentialState | RowState;
  /** Labelled samples per variant (pairs in shadow) within the current stage; with a success metric in split stages, its samples. */
  stageSamples: number;
  /** With a success metric (policy.success), in split stages: its per-unit sums per variant since the first split stage. */
  success?: SplitState | null;
  /** With rollout.guardrails.metrics: each variant's classification metrics on its labelled answers in the stage. */
  metrics?: VariantMetrics | null;
}

/** modelMetric: with a success metric, the model metric (accuracy, errors) is a guardrail: significantly worse rolls back. */
export type GuardrailName = 'errorRate' | 'p99LatencyMs' | 'disagreement' | 'predictionShift' | 'modelMetric' | 'metric';

export interface GuardrailCheck {
  name: GuardrailName;
  /** The challenger's value. */
  value: number | null;
  /** The champion's on the same stage, for comparison (error rate and latency; null for the relative ones). */
  champion: number | null;
  limit: number;
  /** Enough requests to judge; an unjudged guardrail never breaches. */
  judged: boolean;
  ok: boolean;
  /** A rate over units (disagreement): the units it came from and its standard error over them (delta method). */
  units?: number;
  standardError?: number | null;
  /** modelMetric: the metric and its confidence sequence, in words. */
  detail?: string;
}

export type RolloutAction = 'continue' | 'advance' | 'promote' | 'rollback';

export interface Assessment {
  action: RolloutAction;
  /** Who decided a final or stage action: the test, a guardrail, or the stage's deadline. */
  by: 'test' | 'guardrail' | 'deadline' | null;
  reason: string;
  test: SequentialResult;
  guardrails: GuardrailCheck[];
  stageSamples: number;
  /** What the test decides on: the model metric, or the success metric's name (absent in assessments made before success metrics). */
  decidedOn?: string;
}

/** The test's state in a split stage from each variant's sums over units (what the rollout reads from the log). */
export function splitOutcomes(metric: RolloutMetric, sums: { champion: UnitSums; challenger: UnitSums }): SplitState {
  return { kind: ROLLOUT_METRIC_SPECS[metric].test, version: 2, champion: sums.champion, challenger: sums.challenger };
}

/** The test's state in shadow from the sums over units of each unit's paired differences. */
export function pairedOutcomes(differences: UnitSums): PairedState {
  return { kind: 'paired', version: 2, differences };
}

export function higherIsBetter(metric: RolloutMetric): boolean {
  return ROLLOUT_METRIC_SPECS[metric].higherIsBetter;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** The challenger's guardrails in the stage; each judged once the challenger has policy.minRequests requests. */
export function checkGuardrails(policy: RolloutPolicy, obs: Observation): GuardrailCheck[] {
  const g = policy.guardrails;
  const c = obs.traffic.challenger;
  const enough = c.requests >= g.minRequests;
  const rate = (t: VariantTraffic): number | null => (t.requests > 0 ? t.errors / t.requests : null);
  const errorRate = rate(c);
  const champion = obs.traffic.champion;
  const checks: GuardrailCheck[] = [
    { name: 'errorRate', value: errorRate, champion: rate(champion), limit: g.maxErrorRate, judged: enough, ok: !enough || (errorRate ?? 0) <= g.maxErrorRate },
  ];
  const latencyJudged = c.latencyRows >= g.minRequests && c.p99LatencyMs !== null;
  checks.push({
    name: 'p99LatencyMs', value: c.p99LatencyMs, champion: champion.p99LatencyMs, limit: g.maxP99LatencyMs, judged: latencyJudged,
    ok: !latencyJudged || (c.p99LatencyMs ?? 0) <= g.maxP99LatencyMs,
  });
  if (obs.disagreement) {
    const { pairs, disagree, perUnit } = obs.disagreement;
    const judged = pairs >= g.minRequests;
    // The rate over units (Σ disagreements / Σ pairs) equals the pooled rate; units give its standard error. A guardrail
    // is a limit, not a test: it rolls back on the rate seen once judged, however few units (fail closed).
    const value = pairs > 0 ? (perUnit ? ratioMean(perUnit) : disagree / pairs) : null;
    const spread = perUnit ? { units: perUnit.units, standardError: perUnit.units > 1 ? Math.sqrt(ratioVariance(perUnit, false)) : null } : {};
    checks.push({ name: 'disagreement', value, champion: null, limit: g.maxDisagreement, judged, ok: !judged || (value ?? 0) <= g.maxDisagreement, ...spread });
  }
  const shiftJudged = obs.predictionShift !== null;
  checks.push({ name: 'predictionShift', value: obs.predictionShift, champion: null, limit: g.maxPredictionShift, judged: shiftJudged, ok: !shiftJudged || (obs.predictionShift ?? 0) <= g.maxPredictionShift });
  checks.push(...metricGuardrails(policy, obs.metrics));
  return checks;
}

function describeBreach(check: GuardrailCheck): string {
  const v = check.value ?? NaN;
  switch (check.name) {
    case 'errorRate':
      return `challenger error rate ${pct(v)} above ${pct(check.limit)}`;
    case 'p99LatencyMs':
      return `challenger p99 latency ${v.toFixed(1)} ms above ${check.limit} ms`;
    case 'disagreement':
      return `challenger disagrees with the champion on ${pct(v)} of shadowed requests, above ${pct(check.limit)}`;
    case 'predictionShift':
      return `challenger's predictions shifted from the champion's by PSI ${v.toFixed(3)}, above ${check.limit}`;
    case 'modelMetric':
      return `guardrail modelMetric: ${check.detail ?? 'challenger significantly worse on the model metric'}`;
    case 'metric':
      return `guardrail metrics: ${check.detail ?? 'a classification metric outside its limit'}`;
  }
}

/**
 * Order of precedence: a guardrail breach rolls back at once; then the test (worse or futile rolls back in any stage;
 * a win promotes only in the final stage, once it has its minimum samples); a non-final stage with its minimum samples
 * advances; a stage past its maximum duration rolls back (fail closed); otherwise continue.
 */
export function assess(policy: RolloutPolicy, metric: RolloutMetric, obs: Observation, previous: Previous | null): Assessment {
  const stage = policy.stages[obs.stageIndex];
  if (!stage) throw new RangeError(`stage index ${obs.stageIndex} is outside the ${policy.stages.length} stage(s)`);
  const final = obs.stageIndex === policy.stages.length - 1;
  const options = {
    alpha: policy.alpha, minEffect: policy.minEffect, higherIsBetter: higherIsBetter(metric), maxSamples: final ? policy.maxSamples : Number.MAX_SAFE_INTEGER,
    minUnits: policy.minUnits ?? DEFAULT_MIN_UNITS,
  };
  const guardrails = checkGuardrails(policy, obs);
  let test: SequentialResult;
  if (policy.success) {
    // The model metric becomes a guardrail (its own test, never the decision); the success metric decides in split stages.
    const model = evaluate(obs.outcomes, { ...options, maxSamples: Number.MAX_SAFE_INTEGER });
    guardrails.push(modelMetricGuard(metric, model, policy.alpha));
    test = successTest(policy, stage.name, final, obs.success ?? null, model, previous);
  } else test = evaluate(obs.outcomes, options, previous ?? undefined);
  const samples = policy.success && stage.name !== 'shadow' ? `${policy.success.name} samples` : 'labelled samples';
  const base = { test, guardrails, stageSamples: obs.stageSamples, decidedOn: policy.success && stage.name !== 'shadow' ? policy.success.name : metric };
  const breached = guardrails.filter((g) => !g.ok);
  if (breached.length > 0) return { ...base, action: 'rollback', by: 'guardrail', reason: `${stage.name}: ${breached.map(describeBreach).join('; ')}` };
  if (test.decision === 'rollback') return { ...base, action: 'rollback', by: 'test', reason: `${stage.name}: ${test.reason}` };
  const samplesMet = obs.stageSamples >= stage.minSamples;
  const waiting = unjudgedMetricGuardrails(guardrails);
  if (samplesMet && final && test.decision === 'promote' && waiting.length > 0) {
    // Fail closed: a guardrail not judged yet cannot pass; the stage waits for labels (its deadline still rolls back).
    return { ...base, action: 'continue', by: null, reason: `${stage.name}: the test would promote, but ${waiting.map((g) => g.detail).join('; ')}` };
  }
  if (samplesMet && final && test.decision === 'promote') return { ...base, action: 'promote', by: 'test', reason: `${stage.name}: ${test.reason}` };
  if (samplesMet && !final) {
    const next = policy.stages[obs.stageIndex + 1];
    return { ...base, action: 'advance', by: 'test', reason: `${stage.name} passed with ${obs.stageSamples} ${samples} per variant and guardrails within limits; on to ${next.name} (${pct(next.traffic)})` };
  }
  if (obs.elapsedSeconds >= stage.maxDurationSeconds) {
    const why = samplesMet ? `without a win (${test.reason})` : `with ${obs.stageSamples} of the ${stage.minSamples} ${samples} per variant it needs`;
    return { ...base, action: 'rollback', by: 'deadline', reason: `${stage.name} ended after ${stage.maxDurationSeconds} s ${why}` };
  }
  const why = samplesMet ? test.reason : `${obs.stageSamples} of ${stage.minSamples} ${samples} per variant; ${test.reason}`;
  return { ...base, action: 'continue', by: null, reason: `${stage.name}: ${why}` };
}
