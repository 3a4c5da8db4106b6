// Guardrails on registered classification metrics (rollout.guardrails.metrics) of the challenger's labelled answers: fail closed.
import { describeLimit } from '../config/metricLimits.js';
import type { RolloutPolicy } from '../config/rollout.js';
import type { ClassificationReport } from '../stats/classMetrics/report.js';
import { checkLimits } from '../stats/metricLimits.js';
import type { GuardrailCheck } from './assess.js';

/** Labelled challenger answers in the stage before a metric guardrail is judged, when the policy names none. */
export const DEFAULT_MIN_LABELLED = 50;

/** Each variant's classification metrics on its labelled answers in the stage (null: none labelled). */
export interface VariantMetrics {
  champion: ClassificationReport | null;
  challenger: ClassificationReport | null;
}

const fmt = (x: number | null): string => (x === null ? '–' : x.toFixed(3));

/**
 * One check per limit, named "metric". Judged once the challenger has guardrails.minLabelled labelled answers in the
 * stage; then a value outside the limit breaches, and so does a value that cannot be computed (the check says why).
 * `metrics` absent (not observed) leaves every check unjudged — and an unjudged metric guardrail blocks promotion.
 */
export function metricGuardrails(policy: RolloutPolicy, metrics: VariantMetrics | null | undefined): GuardrailCheck[] {
  const limits = policy.guardrails.metrics ?? [];
  if (limits.length === 0) return [];
  const need = policy.guardrails.minLabelled ?? DEFAULT_MIN_LABELLED;
  const have = metrics?.challenger?.rows ?? 0;
  const judged = have >= need;
  const challenger = metrics?.challenger ? checkLimits(metrics.challenger, limits) : null;
  const champion = metrics?.champion ? checkLimits(metrics.champion, limits) : null;
  return limits.map((l, i): GuardrailCheck => {
    const c = challenger?.[i] ?? null;
    const limit = l.minimum ?? l.maximum ?? NaN;
    const base = { name: 'metric' as const, value: c?.value ?? null, champion: champion?.[i]?.value ?? null, limit };
    if (!judged || !c) {
      return { ...base, judged: false, ok: true, detail: `${describeLimit(l)} not judged yet: ${have} of the ${need} labelled challenger answers it needs` };
    }
    const detail = c.value === null
      ? `${c.limit} cannot be computed on the challenger's ${have} labelled answers: ${c.undefinedReason} (fail closed)`
      : `challenger ${c.limit.replace(/ [≥≤] .*/, '')} ${fmt(c.value)} (champion ${fmt(base.champion)}) on ${have} labelled answers, limit ${c.limit}`;
    return { ...base, judged: true, ok: c.ok, detail };
  });
}

/** Metric guardrails not judged yet: while any is, the rollout may not promote (it waits, and its deadline still applies). */
export function unjudgedMetricGuardrails(checks: readonly GuardrailCheck[]): GuardrailCheck[] {
  return checks.filter((g) => g.name === 'metric' && !g.judged);
}
