// The shape of a registered classification metric: name, direction, scope, definition, value and interval.
import type { Estimate } from '../intervals.js';
import type { IntervalOptions, ScoredRows } from './scored.js';

/** A value, or why the metric is undefined on these rows (reported as null with the reason, never as 0). */
export type Outcome = { value: number } | { reason: string };

export interface ClassMetric {
  name: string;
  /** How the report names it. */
  label: string;
  higherIsBetter: boolean;
  /** perClass: a value per class, and the macro mean as its overall value; overall: one value for the rows. */
  scope: 'perClass' | 'overall';
  /** Needs the logged class probabilities (undefined without them). */
  needsProbabilities: boolean;
  /** The definition, as the README lists it. */
  definition: string;
  /** The interval method, in words. */
  intervalMethod: string;
  /** The overall value (perClass metrics: their macro average). */
  overall(s: ScoredRows): Outcome;
  overallInterval(s: ScoredRows, o: IntervalOptions): Estimate | null;
  /** Class `c`'s value (perClass metrics only). */
  ofClass?(s: ScoredRows, c: number): Outcome;
  classInterval?(s: ScoredRows, c: number, o: IntervalOptions): Estimate | null;
}

/** NaN for an undefined outcome: what a resample's metric returns to the bootstrap. */
export const orNaN = (o: Outcome): number => ('value' in o ? o.value : NaN);

/**
 * The macro mean of a per-class metric over the classes that occur as a label or a prediction (scikit-learn's classes
 * without an explicit list); a class whose value is undefined counts 0 (scikit-learn's zero_division=0).
 */
export function macro(s: ScoredRows, present: (c: number) => boolean, ofClass: (c: number) => Outcome): Outcome {
  let sum = 0;
  let used = 0;
  for (let c = 0; c < s.classes.length; c++) {
    if (!present(c)) continue;
    used++;
    sum += orNaN(ofClass(c)) || 0;
  }
  return used === 0 ? { reason: 'no labelled answers' } : { value: sum / used };
}
