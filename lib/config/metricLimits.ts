// Limits on registered classification metrics (lib/stats/classMetrics): monitor.quality thresholds and rollout metric guardrails.
import { z } from 'zod';
import { CLASS_METRICS, findClassMetric } from '../stats/classMetrics/index.js';

const known = (): string => CLASS_METRICS.map((m) => `${m.name} (${m.scope === 'perClass' ? 'per class or macro' : 'overall'}, ${m.higherIsBetter ? 'higher' : 'lower'} is better)`).join(', ');

/**
 * One limit: `metric` (a registered name), `class` for one class's value (per-class metrics; absent: the macro mean), and
 * `minimum` (metrics where higher is better) or `maximum` (lower is better).
 */
export const metricLimitSchema = z
  .object({
    metric: z.string(),
    class: z.string().min(1).optional(),
    minimum: z.number().finite().optional(),
    maximum: z.number().finite().optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    const m = findClassMetric(l.metric);
    if (!m) {
      ctx.addIssue({ code: 'custom', path: ['metric'], message: `unknown metric "${l.metric}": known metrics are ${known()}` });
      return;
    }
    if (l.class !== undefined && m.scope !== 'perClass') {
      ctx.addIssue({ code: 'custom', path: ['class'], message: `${l.metric} is one value over all classes: it takes no class` });
    }
    const bound = m.higherIsBetter ? 'minimum' : 'maximum';
    const other = m.higherIsBetter ? 'maximum' : 'minimum';
    if (l[other] !== undefined) ctx.addIssue({ code: 'custom', path: [other], message: `${l.metric} is better ${m.higherIsBetter ? 'higher' : 'lower'}: give its ${bound}` });
    else if (l[bound] === undefined) ctx.addIssue({ code: 'custom', path: [bound], message: `${l.metric} needs a ${bound}` });
  });

export type MetricLimit = z.infer<typeof metricLimitSchema>;

export const metricLimitsSchema = z.array(metricLimitSchema).max(64);

/** A limit in words: "recall of class "x" ≥ 0.6", "logLoss ≤ 0.8", "macro f1 ≥ 0.7". */
export function describeLimit(l: MetricLimit): string {
  const m = findClassMetric(l.metric);
  const what = l.class !== undefined ? `${l.metric} of class "${l.class}"` : m?.scope === 'perClass' ? `macro ${l.metric}` : l.metric;
  return l.minimum !== undefined ? `${what} ≥ ${l.minimum}` : `${what} ≤ ${l.maximum}`;
}

/** Classification metrics need a classifier: a regression pipeline naming them is refused, by path. */
export function checkMetricLimitsTask(
  p: { task: string; monitor: { quality?: unknown[] }; rollout?: { guardrails: { metrics?: unknown[] } } },
  ctx: z.RefinementCtx,
): void {
  if (p.task === 'classification') return;
  const why = `classification metrics need a classifier; this pipeline's task is ${p.task}`;
  if (p.monitor.quality?.length) ctx.addIssue({ code: 'custom', path: ['monitor', 'quality'], message: why });
  if (p.rollout?.guardrails.metrics?.length) ctx.addIssue({ code: 'custom', path: ['rollout', 'guardrails', 'metrics'], message: why });
}
