// Confidence intervals of a model's holdout metrics (bootstrap over the holdout rows).
import type { Table } from '../data/table.js';
import type { MetricInterval } from '../report/modelCard.js';
import { bootstrapCI } from './bootstrap.js';
import { argmaxRows, targetValues } from './classifier.js';
import { macroF1, mae, r2, rmse } from './metrics.js';
import { numericTarget, predictModel, type TrainedModel } from './model.js';

type Metric = (y: ArrayLike<number>, p: ArrayLike<number>) => number;

const accuracyOf: Metric = (y, p) => {
  let hits = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === p[i]) hits++;
  return hits / y.length;
};

/** 95% intervals: accuracy and macro F1 (a label the model never saw counts as a miss), or RMSE, MAE and R². */
export function holdoutIntervals(model: TrainedModel, test: Table, seed = 0): Record<string, MetricInterval> {
  const predictions = predictModel(model, test);
  const options = { iterations: 1000, level: 0.95, seed };
  const rows: number[] = [];
  let truth: Float64Array;
  let guesses: Float64Array;
  let metrics: Record<string, Metric>;
  if (predictions.task === 'regression') {
    const y = numericTarget(test, model.target);
    for (let i = 0; i < test.rows; i++) if (!Number.isNaN(y[i])) rows.push(i);
    truth = Float64Array.from(rows, (i) => y[i]);
    guesses = Float64Array.from(rows, (i) => predictions.values[i]);
    metrics = { rmse, mae, r2 };
  } else {
    const k = predictions.classes.length;
    const index = new Map(predictions.classes.map((c, j) => [c, j]));
    const labels = targetValues(test, model.target);
    for (let i = 0; i < test.rows; i++) if (labels[i] !== null) rows.push(i);
    const predicted = argmaxRows(predictions.proba, k);
    truth = Float64Array.from(rows, (i) => index.get(labels[i] as string) ?? k);
    guesses = Float64Array.from(rows, (i) => predicted[i]);
    metrics = { accuracy: accuracyOf, macroF1: (y, p) => macroF1(Int32Array.from(y), Int32Array.from(p), k + 1) };
  }
  if (rows.length === 0) return {};
  const out: Record<string, MetricInterval> = {};
  for (const [name, fn] of Object.entries(metrics)) {
    const ci = bootstrapCI(truth, guesses, fn, options);
    out[name] = { lower: ci.lower, upper: ci.upper, level: 0.95 };
  }
  return out;
}
