// Scoring any model: holdout split, k-fold cross-validation and the holdout metrics a gate reads.
import { takeRows, type Table } from '../data/table.js';
import { sortedClasses, targetValues } from './classifier.js';
import { stratifiedKFold, trainTestSplit } from './cv.js';
import { fitModel, numericTarget, predictModel, type ModelSpec, type Task, type TrainedModel } from './model.js';
import { classificationMetrics, regressionMetrics, type MetricName } from './scores.js';

/**
 * The rows with a target, and a stratum per row: the class index for classification, the target's
 * quintile for regression (so every fold and the holdout see the whole range of values).
 */
export function labelled(table: Table, target: string, task: Task = 'classification'): { table: Table; strata: Int32Array } {
  const keep: number[] = [];
  let strata: Int32Array;
  if (task === 'regression') {
    const y = numericTarget(table, target);
    for (let i = 0; i < table.rows; i++) if (!Number.isNaN(y[i])) keep.push(i);
    const sorted = keep.map((i) => y[i]).sort((a, b) => a - b);
    const cuts = [1, 2, 3, 4].map((q) => sorted[Math.floor((q * sorted.length) / 5)] ?? Infinity);
    strata = Int32Array.from(keep, (i) => cuts.filter((c) => y[i] > c).length);
  } else {
    const labels = targetValues(table, target);
    for (let i = 0; i < table.rows; i++) if (labels[i] !== null) keep.push(i);
    const index = new Map(sortedClasses(labels).map((c, k) => [c, k]));
    strata = Int32Array.from(keep, (i) => index.get(labels[i] as string) as number);
  }
  return { table: keep.length === table.rows ? table : takeRows(table, keep), strata };
}

/** Stratified holdout split of the labelled rows (deterministic for a seed). */
export function holdoutSplit(table: Table, target: string, fraction: number, seed: number, task: Task = 'classification'): { train: Table; test: Table } {
  const data = labelled(table, target, task);
  const split = trainTestSplit(data.strata, fraction, seed);
  return { train: takeRows(data.table, split.train), test: takeRows(data.table, split.test) };
}

/** Every metric of the model's task on labelled rows (a class the model never saw counts as a miss). */
export function scoreModel(model: TrainedModel, table: Table): Record<string, number> {
  const predictions = predictModel(model, table);
  if (predictions.task === 'regression') return regressionMetrics(numericTarget(table, model.target), predictions.values);
  return classificationMetrics(targetValues(table, model.target), predictions.classes, predictions.proba);
}

export interface CrossValidation {
  mean: number;
  std: number;
  folds: number[];
}

/** Stratified k-fold CV of one model spec on `metric`; `onFold` hears after every fold (for heartbeats). */
export function crossValidate(
  table: Table,
  spec: ModelSpec,
  metric: MetricName,
  folds: number,
  seed: number,
  onFold: (done: number) => void = () => undefined,
): CrossValidation {
  const data = labelled(table, spec.target, spec.task);
  const scores = stratifiedKFold(data.strata, folds, seed).map((split, i) => {
    const model = fitModel(takeRows(data.table, split.train), spec);
    const score = scoreModel(model, takeRows(data.table, split.test))[metric];
    onFold(i + 1);
    return score;
  });
  const mean = scores.reduce((s, v) => s + v, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((s, v) => s + (v - mean) ** 2, 0) / scores.length);
  return { mean, std, folds: scores };
}
