// Judging limits on registered classification metrics against a report: within, breached, or not computable (and why).
import type { MetricLimit } from '../config/metricLimits.js';
import { describeLimit } from '../config/metricLimits.js';
import { metricOf, type ClassificationReport } from './classMetrics/report.js';

export interface LimitCheck {
  limit: string;
  metric: string;
  class?: string;
  value: number | null;
  /** The limit is computable and met. */
  ok: boolean;
  /** Why the value is undefined (no probabilities logged, no label of the class, ...): null when it has one. */
  undefinedReason: string | null;
}

/** Each limit against the report: a value outside its bound is not ok; an undefined value is not ok either (it carries why). */
export function checkLimits(report: ClassificationReport, limits: readonly MetricLimit[]): LimitCheck[] {
  return limits.map((l) => {
    const got = metricOf(report, l.metric, l.class);
    const v = got.value;
    const ok = v !== null && (l.minimum === undefined || v >= l.minimum) && (l.maximum === undefined || v <= l.maximum);
    return { limit: describeLimit(l), metric: l.metric, ...(l.class !== undefined ? { class: l.class } : {}), value: v, ok, undefinedReason: v === null ? (got.reason ?? 'undefined') : null };
  });
}
