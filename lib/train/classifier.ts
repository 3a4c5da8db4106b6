// A JSON-storable classifier (preprocessor + multinomial logistic regression): fit and predict on tables.

import { column, takeRows, type Table } from '../data/table.js';
import { compareStrings, fitPreprocessor, transform, type FeatureSpec, type Preprocessor } from './preprocess.js';
import { predictProbaLinear, trainLogReg } from './logreg.js';

export interface TrainedClassifier {
  kind: 'logreg';
  target: string;
  /** Sorted distinct target values; probability columns follow this order. */
  classes: string[];
  features: FeatureSpec;
  preprocessor: Preprocessor;
  /** classes × dim, row-major, on the preprocessed (standardized / one-hot) features. */
  weights: number[];
  bias: number[];
  hyperparameters: { l2: number };
}

export interface FitClassifierOptions {
  target: string;
  features: FeatureSpec;
  /** L2 penalty (see lib/train/logreg.ts for the objective). */
  l2: number;
  /** L-BFGS iteration cap. Default 500. */
  maxIter?: number;
  /** Gradient tolerance. Default 1e-6. */
  tol?: number;
  /** Give each categorical feature an "unknown" column (missing or unseen values) — see lib/train/preprocess.ts. */
  unknownBucket?: boolean;
}

export interface FitClassifierResult {
  model: TrainedClassifier;
  iterations: number;
  converged: boolean;
  /** Rows used (target not null). */
  rows: number;
}

/** The target column as strings (numbers stringified; null/NaN → null). */
export function targetValues(table: Table, target: string): (string | null)[] {
  const c = column(table, target);
  if (c.kind === 'categorical') return c.values;
  return Array.from(c.values, (v) => (Number.isNaN(v) ? null : String(v)));
}

/** The distinct non-missing labels, sorted (probability columns follow this order everywhere). */
export function sortedClasses(labels: readonly (string | null)[]): string[] {
  return [...new Set(labels.filter((v): v is string => v !== null))].sort(compareStrings);
}

/** Fits and reports training details; `fitClassifier` returns just the model. */
export function fitClassifierDetailed(table: Table, opts: FitClassifierOptions): FitClassifierResult {
  const labels = targetValues(table, opts.target);
  const keep: number[] = [];
  for (let i = 0; i < table.rows; i++) if (labels[i] !== null) keep.push(i);
  const train = keep.length === table.rows ? table : takeRows(table, keep);
  const classes = sortedClasses(keep.map((i) => labels[i]));
  if (classes.length < 2) {
    throw new Error(`fitClassifier: target "${opts.target}" has ${classes.length} distinct value(s); need at least 2`);
  }
  const classIndex = new Map(classes.map((c, k) => [c, k]));
  const y = Int32Array.from(keep, (i) => classIndex.get(labels[i] as string) as number);
  const preprocessor = fitPreprocessor(train, opts.features, { unknownBucket: opts.unknownBucket });
  const { x, dim } = transform(preprocessor, train);
  const fit = trainLogReg(x, dim, y, classes.length, { l2: opts.l2, maxIter: opts.maxIter, tol: opts.tol });
  const model: TrainedClassifier = {
    kind: 'logreg',
    target: opts.target,
    classes,
    features: { numeric: [...opts.features.numeric], categorical: [...opts.features.categorical] },
    preprocessor,
    weights: Array.from(fit.weights),
    bias: Array.from(fit.bias),
    hyperparameters: { l2: opts.l2 },
  };
  return { model, iterations: fit.iterations, converged: fit.converged, rows: keep.length };
}

/** Fits preprocessing and the model on the rows whose target is not null. */
export function fitClassifier(table: Table, opts: FitClassifierOptions): TrainedClassifier {
  return fitClassifierDetailed(table, opts).model;
}

/** Class probabilities, table.rows × model.classes.length, row-major. */
export function predictProba(model: TrainedClassifier, table: Table): Float64Array {
  const { x, dim } = transform(model.preprocessor, table);
  return predictProbaLinear(x, dim, model.weights, model.bias, model.classes.length, table.rows);
}

/** Index of the largest probability per row (first one on ties). */
export function argmaxRows(proba: Float64Array, classes: number): Int32Array {
  const rows = proba.length / classes;
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (proba[i * classes + c] > proba[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Most probable class per row. */
export function predictLabels(model: TrainedClassifier, table: Table): string[] {
  const idx = argmaxRows(predictProba(model, table), model.classes.length);
  return Array.from(idx, (k) => model.classes[k]);
}
