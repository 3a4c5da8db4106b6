// Accuracy: the share of labelled answers whose predicted label is the label (Wilson interval).
import { wilsonInterval } from '../intervals.js';
import type { ClassMetric } from './metric.js';
import type { ScoredRows } from './scored.js';

function hits(s: ScoredRows): number {
  let h = 0;
  for (let i = 0; i < s.truth.length; i++) if (s.truth[i] === s.predicted[i]) h++;
  return h;
}

export const accuracy: ClassMetric = {
  name: 'accuracy',
  label: 'accuracy',
  higherIsBetter: true,
  scope: 'overall',
  needsProbabilities: false,
  definition: 'correct answers / labelled answers',
  intervalMethod: 'Wilson score interval',
  overall: (s) => (s.truth.length === 0 ? { reason: 'no labelled answers' } : { value: hits(s) / s.truth.length }),
  overallInterval: (s, o) => (s.truth.length === 0 ? null : wilsonInterval(hits(s), s.truth.length, o.level)),
};
