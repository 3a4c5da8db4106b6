// monitor.quality: limits on registered classification metrics of the champion's labelled answers in a window.
import type { MetricLimit } from '../lib/config/metricLimits.js';
import { classificationReport } from '../lib/stats/classMetrics/report.js';
import { checkLimits, type LimitCheck } from '../lib/stats/metricLimits.js';
import { classRows, type QualityRow } from '../lib/stats/quality.js';

/**
 * Judged with at least monitor.minRows labelled answers: a value outside its limit breaches (the reason names it); a
 * value the window cannot give (e.g. recall of a class no answer is labelled) is reported with why, not a breach.
 */
export function judgeMetricLimits(task: string, rows: readonly QualityRow[], monitor: { minRows: number; quality?: MetricLimit[] }): { checks: LimitCheck[]; reasons: string[] } {
  const limits = monitor.quality ?? [];
  if (task === 'regression' || limits.length === 0) return { checks: [], reasons: [] };
  const used = classRows(rows);
  if (used.length < monitor.minRows) return { checks: [], reasons: [] };
  const checks = checkLimits(classificationReport(used, null), limits);
  const reasons = checks
    .filter((c) => !c.ok && c.value !== null)
    .map((c) => `${c.limit.replace(/ [≥≤] .*/, '')} ${c.value?.toFixed(3)} on ${used.length} labelled rows breaks monitor.quality's limit ${c.limit}`);
  return { checks, reasons };
}
