// F1 per class (2·tp / (2·tp + fp + fn)) and its macro mean, the window's macro-F1; both with bootstrap intervals.
import { macro, orNaN, type ClassMetric, type Outcome } from './metric.js';
import { bootstrapScored, confusion, type ScoredRows } from './scored.js';

type Counts = ReturnType<typeof confusion>;

function of(s: ScoredRows, k: Counts, c: number): Outcome {
  const d = k.labelled[c] + k.predicted[c];
  if (d === 0) return { reason: `class "${s.classes[c]}" was neither labelled nor predicted` };
  return { value: (2 * k.tp[c]) / d };
}

function overall(s: ScoredRows): Outcome {
  const k = confusion(s);
  return macro(s, (c) => k.labelled[c] + k.predicted[c] > 0, (c) => of(s, k, c));
}

export const f1: ClassMetric = {
  name: 'f1',
  label: 'F1',
  higherIsBetter: true,
  scope: 'perClass',
  needsProbabilities: false,
  definition: 'per class: 2·tp / (2·tp + fp + fn), the harmonic mean of precision and recall (0 when the class is labelled or predicted but never both); macro: the mean over classes labelled or predicted',
  intervalMethod: 'percentile bootstrap (per class and macro)',
  overall,
  overallInterval: (s, o) => bootstrapScored(s, (r) => orNaN(overall(r)), o),
  ofClass: (s, c) => of(s, confusion(s), c),
  classInterval: (s, c, o) => bootstrapScored(s, (r) => orNaN(of(r, confusion(r), c)), o),
};
