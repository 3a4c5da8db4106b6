// Every registered metric of one set of labelled answers: overall (macro) and per class, with intervals; and one value by name.
import type { Estimate } from '../intervals.js';
import { CLASS_METRICS, findClassMetric } from './index.js';
import type { Outcome } from './metric.js';
import { confusion, scoreRows, type ClassRow, type IntervalOptions, type ScoredRows } from './scored.js';

/** A metric's value (null: undefined on these answers, with the reason) and its interval. */
export interface MetricEstimate {
  value: number | null;
  interval: Estimate | null;
  reason?: string;
}

export interface ClassReport {
  class: string;
  /** Answers labelled the class, and answers predicting it. */
  labelled: number;
  predicted: number;
  /** Per-class metrics by name (precision, recall, f1, auc). */
  metrics: Record<string, MetricEstimate>;
}

export interface ClassificationReport {
  rows: number;
  /** Null: probabilities were used; else why the probability metrics are undefined. */
  noProbabilities: string | null;
  /** Every metric by name: overall ones as they are, per-class ones as their macro mean. */
  overall: Record<string, MetricEstimate>;
  perClass: ClassReport[];
}

const estimate = (o: Outcome, interval: () => Estimate | null): MetricEstimate =>
  'value' in o ? { value: o.value, interval: interval() } : { value: null, interval: null, reason: o.reason };

/** The registry's metrics of the rows; `intervals: null` leaves the intervals out (a guardrail needs values only). */
export function classificationReport(rows: readonly ClassRow[], intervals: IntervalOptions | null): ClassificationReport {
  return reportOf(scoreRows(rows), intervals);
}

export function reportOf(s: ScoredRows, o: IntervalOptions | null): ClassificationReport {
  const overall: Record<string, MetricEstimate> = {};
  for (const m of CLASS_METRICS) overall[m.name] = estimate(m.overall(s), () => (o ? m.overallInterval(s, o) : null));
  const k = confusion(s);
  const perClass = s.classes.map((name, c): ClassReport => {
    const metrics: Record<string, MetricEstimate> = {};
    for (const m of CLASS_METRICS) {
      if (m.scope !== 'perClass' || !m.ofClass) continue;
      const interval = m.classInterval;
      metrics[m.name] = estimate(m.ofClass(s, c), () => (o && interval ? interval(s, c, o) : null));
    }
    return { class: name, labelled: k.labelled[c], predicted: k.predicted[c], metrics };
  });
  return { rows: s.truth.length, noProbabilities: s.noProba, overall, perClass };
}

/** A metric named by a threshold or guardrail: overall, or one class's; an unknown class is undefined with that reason. */
export function metricOf(r: ClassificationReport, metric: string, cls?: string): MetricEstimate {
  if (!findClassMetric(metric)) throw new RangeError(`unknown classification metric "${metric}"`);
  if (cls === undefined) return r.overall[metric];
  const row = r.perClass.find((p) => p.class === cls);
  if (!row) return { value: null, interval: null, reason: `class "${cls}" was neither labelled nor predicted, nor is it one of the model's classes` };
  return row.metrics[metric] ?? { value: null, interval: null, reason: `${metric} has no per-class value` };
}
