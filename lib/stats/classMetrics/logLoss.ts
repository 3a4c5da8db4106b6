// Log loss: the mean of −ln p(label), probabilities clipped to [1e-15, 1 − 1e-15] (normal interval of the mean).
import { meanInterval } from '../intervals.js';
import type { ClassMetric, Outcome } from './metric.js';
import type { ScoredRows } from './scored.js';

/** Clipping keeps a confident miss finite: −ln(1e-15) ≈ 34.54 is the most one answer can cost. */
export const LOG_LOSS_EPS = 1e-15;

/** Each answer's loss; a label outside the model's classes had probability 0 (so costs the clipped maximum). */
function losses(s: ScoredRows): Float64Array | { reason: string } {
  if (!s.proba) return { reason: `log loss needs class probabilities: ${s.noProba}` };
  const n = s.truth.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = s.truth[i];
    const p = c < s.width ? s.proba[i * s.width + c] : 0;
    out[i] = -Math.log(Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, p)));
  }
  return out;
}

function overall(s: ScoredRows): Outcome {
  const l = losses(s);
  if (!(l instanceof Float64Array)) return l;
  if (l.length === 0) return { reason: 'no labelled answers' };
  let sum = 0;
  for (const x of l) sum += x;
  return { value: sum / l.length };
}

export const logLoss: ClassMetric = {
  name: 'logLoss',
  label: 'log loss',
  higherIsBetter: false,
  scope: 'overall',
  needsProbabilities: true,
  definition: 'mean of −ln p(label) over labelled answers, p clipped to [1e-15, 1 − 1e-15] (a label outside the model\'s classes has p = 0, so costs −ln 1e-15 ≈ 34.5)',
  intervalMethod: 'normal (CLT) interval of the mean per-answer loss',
  overall,
  overallInterval: (s, o) => {
    const l = losses(s);
    return l instanceof Float64Array && l.length >= 2 ? meanInterval(l, o.level) : null;
  },
};
