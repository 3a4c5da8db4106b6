// ROC AUC from the logged probabilities: one-vs-rest per class (Hanley–McNeil interval), macro (bootstrap), binary.
import { binaryRocAuc } from '../../train/metrics.js';
import { normalQuantile, type Estimate } from '../intervals.js';
import { orNaN, type ClassMetric, type Outcome } from './metric.js';
import { bootstrapScored, type IntervalOptions, type ScoredRows } from './scored.js';

/** Class c's column against "labelled c" (Mann–Whitney U / (n1·n0), tied scores counting half), with n1 and n0. */
function ovr(s: ScoredRows, c: number): { auc: number; positives: number; negatives: number } | { reason: string } {
  if (!s.proba) return { reason: `AUC needs class probabilities: ${s.noProba}` };
  if (c >= s.width) return { reason: `"${s.classes[c]}" is not one of the model's classes: it has no probability` };
  const n = s.truth.length;
  const positive = new Int8Array(n);
  const score = new Float64Array(n);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    positive[i] = s.truth[i] === c ? 1 : 0;
    positives += positive[i];
    score[i] = s.proba[i * s.width + c];
  }
  if (positives === 0) return { reason: `no answer is labelled "${s.classes[c]}": AUC needs both classes` };
  if (positives === n) return { reason: `every answer is labelled "${s.classes[c]}": AUC needs both classes` };
  return { auc: binaryRocAuc(positive, score), positives, negatives: n - positives };
}

function ofClass(s: ScoredRows, c: number): Outcome {
  const r = ovr(s, c);
  return 'reason' in r ? r : { value: r.auc };
}

/** Hanley & McNeil (1982): SE² = (A(1−A) + (n1−1)(Q1−A²) + (n0−1)(Q2−A²)) / (n1·n0), Q1 = A/(2−A), Q2 = 2A²/(1+A). */
export function hanleyMcNeil(auc: number, positives: number, negatives: number, level: number): Estimate {
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const se = Math.sqrt((auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) / (positives * negatives));
  const z = normalQuantile(1 - (1 - level) / 2);
  return { value: auc, lower: Math.max(0, auc - z * se), upper: Math.min(1, auc + z * se), level, method: 'normal' };
}

function classInterval(s: ScoredRows, c: number, o: IntervalOptions): Estimate | null {
  const r = ovr(s, c);
  return 'reason' in r ? null : hanleyMcNeil(r.auc, r.positives, r.negatives, o.level);
}

/** Binary model: the AUC of its second class's probability. More classes: the mean of the defined one-vs-rest AUCs. */
function overall(s: ScoredRows): Outcome {
  if (!s.proba) return { reason: `AUC needs class probabilities: ${s.noProba}` };
  if (s.width === 2) return ofClass(s, 1);
  let sum = 0;
  let used = 0;
  for (let c = 0; c < s.width; c++) {
    const v = orNaN(ofClass(s, c));
    if (Number.isNaN(v)) continue;
    sum += v;
    used++;
  }
  return used === 0 ? { reason: 'AUC needs answers labelled with at least two of the model\'s classes' } : { value: sum / used };
}

export const auc: ClassMetric = {
  name: 'auc',
  label: 'ROC AUC',
  higherIsBetter: true,
  scope: 'perClass',
  needsProbabilities: true,
  definition:
    "per class: one-vs-rest ROC AUC of the class's probability, = Mann–Whitney U / (n1·n0) with ties counted half; undefined when the window has no answer labelled the class, or only such answers; " +
    "overall: a binary model's AUC of its second class (equal to either class's one-vs-rest AUC), else the macro mean of the defined per-class AUCs",
  intervalMethod: 'per class: Hanley–McNeil normal interval; macro: percentile bootstrap (binary: Hanley–McNeil)',
  overall,
  overallInterval: (s, o) => (s.width === 2 ? classInterval(s, 1, o) : bootstrapScored(s, (r) => orNaN(overall(r)), o, true)),
  ofClass,
  classInterval,
};
