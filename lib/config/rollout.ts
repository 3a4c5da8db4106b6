// The definition's `rollout` section: stages (shadow → canary → A/B), the sequential test's settings, and guardrails.
import { z } from 'zod';
import { approvalSchema, checkRolloutApproval } from './approval.js';
import { metricLimitsSchema } from './metricLimits.js';
import { successSchema } from './success.js';

export const STAGE_NAMES = ['shadow', 'canary', 'ab'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/**
 * The per-request metrics a rollout's sequential test can decide on: accuracy (two proportions) and logLoss (each
 * answer's −ln p(label), clipped at 1e-15 as lib/stats/classMetrics/logLoss.ts; needs logged probabilities) for a
 * classifier; squaredError / absoluteError (per-row errors) for a regressor.
 */
export const ROLLOUT_METRIC_SPECS = {
  accuracy: { task: 'classification', higherIsBetter: true, test: 'proportions' },
  logLoss: { task: 'classification', higherIsBetter: false, test: 'means' },
  squaredError: { task: 'regression', higherIsBetter: false, test: 'means' },
  absoluteError: { task: 'regression', higherIsBetter: false, test: 'means' },
} as const satisfies Record<string, { task: 'classification' | 'regression'; higherIsBetter: boolean; test: 'proportions' | 'means' }>;
export type RolloutMetric = keyof typeof ROLLOUT_METRIC_SPECS;
export const ROLLOUT_METRICS = Object.keys(ROLLOUT_METRIC_SPECS) as [RolloutMetric, ...RolloutMetric[]];

const stageSchema = z
  .object({
    name: z.enum(STAGE_NAMES),
    /** shadow: the share of units whose requests the challenger also scores; canary / ab: the share it answers. */
    traffic: z.number().gt(0).max(1),
    /** Labelled samples per variant (pairs in shadow) before the stage may end. */
    minSamples: z.number().int().min(30).max(10_000_000).default(200),
    /** The stage's longest duration; a stage that has not passed by then rolls back (fail closed). */
    maxDurationSeconds: z.number().int().min(1).max(90 * 86_400).default(86_400),
  })
  .strict();

export const guardrailsSchema = z
  .object({
    /** Scoring errors per request of a variant. */
    maxErrorRate: z.number().min(0).max(1).default(0.01),
    /** 99th percentile of a variant's logged latency. */
    maxP99LatencyMs: z.number().positive().default(250),
    /** Shadow: share of paired requests where the challenger's answer differs from the champion's (regression: by more than the champion's holdout RMSE). */
    maxDisagreement: z.number().min(0).max(1).default(0.5),
    /** PSI between the challenger's and the champion's prediction distributions. */
    maxPredictionShift: z.number().positive().default(0.5),
    /** Requests of a variant in the stage before its guardrails are judged. */
    minRequests: z.number().int().min(1).default(50),
    /**
     * Classifier: limits on registered metrics (lib/stats/classMetrics) of the challenger's labelled answers in the stage,
     * judged once it has minLabelled of them. Fail closed: a value outside its limit, or one that cannot be computed then
     * (no probabilities logged, no answer labelled the class), rolls back; one not judged yet blocks promotion.
     */
    metrics: metricLimitsSchema.optional(),
    /** Labelled challenger answers in the stage before the metric guardrails are judged; absent: 50. */
    minLabelled: z.number().int().min(1).optional(),
  })
  .strict();

export const rolloutSchema = z
  .object({
    stages: z.array(stageSchema).min(1).max(3),
    /** How often guardrails and the test are checked. */
    intervalSeconds: z.number().int().min(1).max(3600).default(60),
    /** Bound on the probability of promoting a challenger that is not better, checked after every interval. */
    alpha: z.number().gt(0).max(0.5).default(0.05),
    /** The smallest improvement worth promoting, in the metric's units: no default (no threshold, no promotion). */
    minEffect: z.number().positive(),
    /** Absent: accuracy for classification, squaredError for regression. */
    metric: z.enum(ROLLOUT_METRICS).optional(),
    /**
     * Units (what serving routes by: users, devices) per variant before the test may decide; absent: 30. A unit's
     * requests are not independent, so the test's evidence grows with units (see lib/stats/SEQUENTIAL.md).
     */
    minUnits: z.number().int().min(2).max(10_000_000).optional(),
    /** Labelled samples per variant in the final stage after which an undecided test rolls back. */
    maxSamples: z.number().int().min(30).max(100_000_000).default(6000),
    guardrails: guardrailsSchema.default(guardrailsSchema.parse({})),
    /**
     * A version registered while another version's rollout runs. queue (absent: the default): it waits, and starts
     * when that rollout ends; supersede: the running rollout is rolled back ("superseded by vN") and the new one starts.
     */
    whenBusy: z.enum(['queue', 'supersede']).optional(),
    /** Before promotion (when the test would promote), wait for a person holding `approval.role` (lib/config/approval.ts). */
    approval: approvalSchema.optional(),
    /**
     * A business outcome that decides the rollout (lib/config/success.ts): present, the split stages' test runs on it and
     * `metric` becomes a guardrail (a challenger significantly worse on it rolls back); absent, `metric` decides.
     */
    success: successSchema.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const order = r.stages.map((s) => STAGE_NAMES.indexOf(s.name));
    order.forEach((o, i) => {
      if (i > 0 && o <= order[i - 1]) {
        ctx.addIssue({ code: 'custom', path: ['stages', i, 'name'], message: `stages go shadow → canary → ab, each at most once: "${r.stages[i].name}" cannot follow "${r.stages[i - 1].name}"` });
      }
    });
    if (r.success && r.stages.every((s) => s.name === 'shadow')) {
      ctx.addIssue({ code: 'custom', path: ['success'], message: 'needs a canary or ab stage: in shadow the challenger\'s answers never reach users, so no outcome can follow them' });
    }
    checkRolloutApproval(r, ctx);
    const final = r.stages[r.stages.length - 1];
    if (r.maxSamples < final.minSamples) {
      ctx.addIssue({ code: 'custom', path: ['maxSamples'], message: `must be at least the final stage's minSamples (${final.minSamples})` });
    }
  });

export type RolloutPolicy = z.infer<typeof rolloutSchema>;
export type StagePolicy = RolloutPolicy['stages'][number];
export type GuardrailPolicy = RolloutPolicy['guardrails'];

/** The metric a rollout tests: the definition's, else the task's natural one. */
export function rolloutMetric(policy: Pick<RolloutPolicy, 'metric'>, task: 'classification' | 'regression'): RolloutMetric {
  return policy.metric ?? (task === 'classification' ? 'accuracy' : 'squaredError');
}
