// The registry of classification metrics monitoring and rollout guardrails know: one entry (and one test) per metric.
import { accuracy } from './accuracy.js';
import { auc } from './auc.js';
import { f1 } from './f1.js';
import { logLoss } from './logLoss.js';
import type { ClassMetric } from './metric.js';
import { precision } from './precision.js';
import { recall } from './recall.js';

export type { ClassMetric, Outcome } from './metric.js';

export const CLASS_METRICS: readonly ClassMetric[] = [accuracy, precision, recall, f1, auc, logLoss];

export function findClassMetric(name: string): ClassMetric | undefined {
  return CLASS_METRICS.find((m) => m.name === name);
}

export const classMetricNames = (): string[] => CLASS_METRICS.map((m) => m.name);
