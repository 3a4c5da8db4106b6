// A classifier's labelled answers as class codes (and probabilities when every answer logged them): what the metrics registry reads.
import { bootstrapCI } from '../../train/bootstrap.js';
import type { Estimate } from '../intervals.js';

/** A labelled classifier answer: the label, the predicted label, and the class probabilities in the model's class order. */
export interface ClassRow {
  label: string;
  predicted: string;
  probabilities?: readonly number[] | null;
  /** The model's classes, in probability order (the logged layout's); absent or null: unknown. */
  classes?: readonly string[] | null;
}

export interface ScoredRows {
  /** The model's classes (probability order) first, then any other label or prediction seen, in order of appearance. */
  classes: string[];
  truth: Int32Array;
  predicted: Int32Array;
  /** Row-major n × width probabilities of the model's classes; null when some answer logged none (or the classes are unknown). */
  proba: Float64Array | null;
  /** How many of `classes` have a probability column (the model's classes). */
  width: number;
  /** Why `proba` is null. */
  noProba: string | null;
}

/** Codes the rows; probabilities only when every row has them, over the same class list. */
export function scoreRows(rows: readonly ClassRow[]): ScoredRows {
  const model = rows.find((r) => r.classes && r.classes.length > 0)?.classes ?? null;
  const classes = model ? [...model] : [];
  const index = new Map(classes.map((c, j) => [c, j]));
  const code = (c: string): number => {
    let j = index.get(c);
    if (j === undefined) index.set(c, (j = classes.push(c) - 1));
    return j;
  };
  const truth = Int32Array.from(rows, (r) => code(r.label));
  const predicted = Int32Array.from(rows, (r) => code(r.predicted));
  const width = model?.length ?? 0;
  let noProba: string | null = null;
  if (rows.length === 0) noProba = 'no labelled answers';
  else if (!model) noProba = "the model's classes are not known (no probabilities logged)";
  else if (rows.some((r) => !r.probabilities || r.probabilities.length !== width || r.classes?.join('\u0000') !== model.join('\u0000'))) {
    noProba = 'not every labelled answer logged class probabilities';
  }
  let proba: Float64Array | null = null;
  if (noProba === null) {
    proba = new Float64Array(rows.length * width);
    rows.forEach((r, i) => proba?.set(r.probabilities as readonly number[], i * width));
  }
  return { classes, truth, predicted, proba, width, noProba };
}

/** Per class: true positives, how often it is the label, how often it is predicted. */
export function confusion(s: ScoredRows): { tp: Float64Array; labelled: Float64Array; predicted: Float64Array } {
  const k = s.classes.length;
  const tp = new Float64Array(k);
  const labelled = new Float64Array(k);
  const predicted = new Float64Array(k);
  for (let i = 0; i < s.truth.length; i++) {
    labelled[s.truth[i]]++;
    predicted[s.predicted[i]]++;
    if (s.truth[i] === s.predicted[i]) tp[s.truth[i]]++;
  }
  return { tp, labelled, predicted };
}

export interface IntervalOptions {
  level: number;
  seed: number;
  iterations: number;
}

/**
 * A seeded percentile-bootstrap interval of `metric` over the rows (resampled with replacement, lib/train/bootstrap.ts);
 * resamples where it is undefined (NaN) are skipped. null with fewer than 2 rows or no defined resample.
 */
export function bootstrapScored(s: ScoredRows, metric: (r: ScoredRows) => number, o: IntervalOptions): Estimate | null {
  if (s.truth.length < 2) return null;
  const resampled = (truth: Int32Array, predicted: Float64Array): ScoredRows => ({ ...s, truth, predicted: Int32Array.from(predicted), proba: null, noProba: 'not resampled' });
  const b = bootstrapCI(s.truth, Float64Array.from(s.predicted), (t, p) => metric(resampled(t, p)), { iterations: o.iterations, level: o.level, seed: o.seed });
  if (b.iterations === 0 || Number.isNaN(b.estimate)) return null;
  return { value: b.estimate, lower: b.lower, upper: b.upper, level: o.level, method: 'bootstrap' };
}
