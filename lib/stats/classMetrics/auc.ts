// ROC AUC from the logged probabilities: one-vs-rest per class (Hanley–McNeil interval), macro (bootstrap), binary.
import { binaryRocAuc } from '../../train/metrics.js';
import { normalQuantile, type Estimate } from '../intervals.js';
import { orNaN, type ClassMetric, type Outcome } from './metric.js';
import type { IntervalOptions, ScoredRows } from './scored.js';

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
function hanleyMcNeilSe(auc: number, positives: number, negatives: number): number {
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  return Math.sqrt(Math.max(0, auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) / (positives * negatives));
}

/** A normal interval around an AUC, clamped to [0, 1]. */
function aucInterval(auc: number, se: number, level: number): Estimate {
  const z = normalQuantile(1 - (1 - level) / 2);
  return { value: auc, lower: Math.max(0, auc - z * se), upper: Math.min(1, auc + z * se), level, method: 'normal' };
}

export const hanleyMcNeil = (auc: number, positives: number, negatives: number, level: number): Estimate =>
  aucInterval(auc, hanleyMcNeilSe(auc, positives, negatives), level);

/**
 * Macro AUC's interval: normal, its standard error √(Σ SE_c²) / K from the K defined classes' Hanley–McNeil errors
 * (treated as independent). Closed form: a bootstrap re-sorts the window per class and resample (tens of seconds at 20,000 answers).
 */
function macroInterval(s: ScoredRows, o: IntervalOptions): Estimate | null {
  let sum = 0;
  let variance = 0;
  let used = 0;
  for (let c = 0; c < s.width; c++) {
    const r = ovr(s, c);
    if ('reason' in r) continue;
    sum += r.auc;
    variance += hanleyMcNeilSe(r.auc, r.positives, r.negatives) ** 2;
    used++;
  }
  return used === 0 ? null : aucInterval(sum / used, Math.sqrt(variance) / used, o.level);
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
  intervalMethod: 'per class and binary: Hanley–McNeil normal interval; macro: normal, from the per-class Hanley–McNeil errors',
  overall,
  overallInterval: (s, o) => (s.width === 2 ? classInterval(s, 1, o) : macroInterval(s, o)),
  ofClass,
  classInterval,
};
