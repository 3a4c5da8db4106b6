// Recall per class (tp / labelled as the class; Wilson) and its macro mean (bootstrap).
import { wilsonInterval } from '../intervals.js';
import { macro, orNaN, type ClassMetric, type Outcome } from './metric.js';
import { bootstrapScored, confusion, type ScoredRows } from './scored.js';

type Counts = ReturnType<typeof confusion>;

function of(s: ScoredRows, k: Counts, c: number): Outcome {
  if (k.labelled[c] === 0) return { reason: `no answer is labelled "${s.classes[c]}"` };
  return { value: k.tp[c] / k.labelled[c] };
}

function overall(s: ScoredRows): Outcome {
  const k = confusion(s);
  return macro(s, (c) => k.labelled[c] + k.predicted[c] > 0, (c) => of(s, k, c));
}

export const recall: ClassMetric = {
  name: 'recall',
  label: 'recall',
  higherIsBetter: true,
  scope: 'perClass',
  needsProbabilities: false,
  definition: 'per class: tp / (tp + fn), the share of answers labelled the class that predicted it; undefined for a class no answer is labelled',
  intervalMethod: 'per class: Wilson on tp of the answers labelled it; macro: percentile bootstrap',
  overall,
  overallInterval: (s, o) => bootstrapScored(s, (r) => orNaN(overall(r)), o),
  ofClass: (s, c) => of(s, confusion(s), c),
  classInterval: (s, c, o) => {
    const k = confusion(s);
    return k.labelled[c] === 0 ? null : wilsonInterval(k.tp[c], k.labelled[c], o.level);
  },
};
