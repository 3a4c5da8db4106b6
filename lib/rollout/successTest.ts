// A rollout with a success metric: the test on the business outcome, and the model metric turned into a guardrail.
import type { RolloutMetric, RolloutPolicy } from '../config/rollout.js';
import { successUnit } from '../config/success.js';
import { DEFAULT_MIN_UNITS, evaluate, type DecisionCode, type Previous, type SequentialResult, type SplitState } from '../stats/sequential.js';
import type { GuardrailCheck } from './assess.js';

/** Codes of a test that has not computed a statistic yet: its guardrail is not judged. */
const WAITING: readonly DecisionCode[] = ['no-samples', 'too-few-samples', 'too-few-units', 'zero-variance'];

/**
 * The model metric as a guardrail: judged once its test computes a statistic; breached when its always-valid confidence
 * sequence lies below 0 (the challenger significantly worse, at the rollout's alpha). Being not better never breaches.
 */
export function modelMetricGuard(metric: RolloutMetric, model: SequentialResult, alpha: number): GuardrailCheck {
  const judged = !WAITING.includes(model.code);
  const worse = judged && model.upper < 0;
  const fmt = (x: number): string => x.toPrecision(3);
  const level = fmt(100 * (1 - alpha));
  const detail = judged
    ? `challenger ${worse ? 'significantly worse' : 'not shown worse'} on ${metric}: improvement ${fmt(model.estimate)}, ${level}% confidence sequence [${fmt(model.lower)}, ${fmt(model.upper)}] over ${model.units.challenger} challenger units`
    : `${metric} not judged yet: ${model.reason}`;
  return {
    name: 'modelMetric', value: Number.isFinite(model.estimate) ? model.estimate : null, champion: null, limit: 0, judged, ok: !worse,
    units: Math.min(model.units.champion, model.units.challenger), standardError: Number.isFinite(model.standardError) ? model.standardError : null, detail,
  };
}

/**
 * The decision's test. Split stages: the sequential test on the success metric's per-unit sums (always valid, delta
 * method; `previous` carries its running p-value and sequence). Shadow: outcomes cannot follow answers users never see,
 * so nothing is decided there — the model metric's result is shown with decision continue (its guardrail still acts).
 */
export function successTest(policy: RolloutPolicy, stage: string, final: boolean, outcomes: SplitState | null, model: SequentialResult, previous: Previous | null): SequentialResult {
  const success = policy.success;
  if (!success) throw new RangeError('successTest needs policy.success');
  if (stage === 'shadow') {
    return { ...model, decision: 'continue', reason: `shadow: ${success.name} decides from the first split stage (outcomes follow only answers users see); ${model.reason}` };
  }
  if (!outcomes) throw new RangeError(`the ${stage} stage's check has no ${success.name} outcomes to test`);
  const result = evaluate(
    outcomes,
    {
      alpha: policy.alpha, minEffect: success.minEffect, higherIsBetter: success.direction === 'increase',
      maxSamples: final ? policy.maxSamples : Number.MAX_SAFE_INTEGER, minUnits: policy.minUnits ?? DEFAULT_MIN_UNITS,
    },
    previous ?? undefined,
  );
  return { ...result, reason: `${success.name} (${successUnit(success)}): ${result.reason}` };
}
