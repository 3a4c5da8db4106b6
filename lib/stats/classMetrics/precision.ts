// Precision per class (tp / predicted as the class; Wilson) and its macro mean (bootstrap).
import { wilsonInterval } from '../intervals.js';
import { macro, orNaN, type ClassMetric, type Outcome } from './metric.js';
import { bootstrapScored, confusion, type ScoredRows } from './scored.js';

type Counts = ReturnType<typeof confusion>;

function of(s: ScoredRows, k: Counts, c: number): Outcome {
  if (k.predicted[c] === 0) return { reason: `class "${s.classes[c]}" was never predicted` };
  return { value: k.tp[c] / k.predicted[c] };
}

function overall(s: ScoredRows): Outcome {
  const k = confusion(s);
  return macro(s, (c) => k.labelled[c] + k.predicted[c] > 0, (c) => of(s, k, c));
}

export const precision: ClassMetric = {
  name: 'precision',
  label: 'precision',
  higherIsBetter: true,
  scope: 'perClass',
  needsProbabilities: false,
  definition: 'per class: tp / (tp + fp), the share of answers predicting the class that were right; undefined for a class never predicted',
  intervalMethod: 'per class: Wilson on tp of the answers predicting it; macro: percentile bootstrap',
  overall,
  overallInterval: (s, o) => bootstrapScored(s, (r) => orNaN(overall(r)), o),
  ofClass: (s, c) => of(s, confusion(s), c),
  classInterval: (s, c, o) => {
    const k = confusion(s);
    return k.predicted[c] === 0 ? null : wilsonInterval(k.tp[c], k.predicted[c], o.level);
  },
};
