// Scoring classifiers: holdout split, k-fold cross-validation and the metrics a gate reads.
import { takeRows, type Table } from '../data/table.js';
import { argmaxRows, fitClassifier, predictProba, targetValues, type TrainedClassifier } from './classifier.js';
import { stratifiedKFold, trainTestSplit } from './cv.js';
import { accuracy, logLoss, macroF1 } from './metrics.js';
import type { FeatureSpec } from './preprocess.js';

export type ClassifierMetric = 'accuracy' | 'macroF1';

export interface ClassifierScores {
  accuracy: number;
  macroF1: number;
  logLoss: number;
  rows: number;
}

/** Rows with a target, and the target as class indices over the sorted distinct labels. */
export function labelled(table: Table, target: string): { table: Table; y: Int32Array; classes: string[] } {
  const labels = targetValues(table, target);
  const keep: number[] = [];
  for (let i = 0; i < table.rows; i++) if (labels[i] !== null) keep.push(i);
  const classes = [...new Set(keep.map((i) => labels[i] as string))].sort();
  const index = new Map(classes.map((c, k) => [c, k]));
  return {
    table: keep.length === table.rows ? table : takeRows(table, keep),
    y: Int32Array.from(keep, (i) => index.get(labels[i] as string) as number),
    classes,
  };
}

/** Scores a model on labelled rows; a label the model never saw counts as a miss (probability 0). */
export function scoreClassifier(model: TrainedClassifier, table: Table): ClassifierScores {
  const labels = targetValues(table, model.target);
  const rows: number[] = [];
  for (let i = 0; i < table.rows; i++) if (labels[i] !== null) rows.push(i);
  const scored = takeRows(table, rows);
  const k = model.classes.length;
  const index = new Map(model.classes.map((c, j) => [c, j]));
  // Unknown labels get an extra column of zero probability so every metric can count them.
  const proba = predictProba(model, scored);
  const widened = new Float64Array(rows.length * (k + 1));
  for (let i = 0; i < rows.length; i++) widened.set(proba.subarray(i * k, i * k + k), i * (k + 1));
  const y = Int32Array.from(rows, (i) => index.get(labels[i] as string) ?? k);
  return {
    accuracy: accuracy(y, widened, k + 1),
    macroF1: macroF1(y, argmaxRows(widened, k + 1), k + 1),
    logLoss: logLoss(y, widened, k + 1),
    rows: rows.length,
  };
}

export interface ModelSpec {
  target: string;
  features: FeatureSpec;
  l2: number;
}

/** Stratified holdout split of the labelled rows (deterministic for a seed). */
export function holdoutSplit(table: Table, target: string, fraction: number, seed: number): { train: Table; test: Table } {
  const data = labelled(table, target);
  const split = trainTestSplit(data.y, fraction, seed);
  return { train: takeRows(data.table, split.train), test: takeRows(data.table, split.test) };
}

export interface CrossValidation {
  mean: number;
  std: number;
  folds: number[];
}

/** k-fold CV of one model spec; `onFold` hears after every fold (for heartbeats). */
export function crossValidate(
  table: Table,
  spec: ModelSpec,
  metric: ClassifierMetric,
  folds: number,
  seed: number,
  onFold: (done: number) => void = () => undefined,
): CrossValidation {
  const data = labelled(table, spec.target);
  const scores = stratifiedKFold(data.y, folds, seed).map((split, i) => {
    const model = fitClassifier(takeRows(data.table, split.train), spec);
    const score = scoreClassifier(model, takeRows(data.table, split.test))[metric];
    onFold(i + 1);
    return score;
  });
  const mean = scores.reduce((s, v) => s + v, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((s, v) => s + (v - mean) ** 2, 0) / scores.length);
  return { mean, std, folds: scores };
}
