// Confidence intervals of a classifier's holdout metrics (bootstrap over the holdout rows).
import type { Table } from '../data/table.js';
import type { MetricInterval } from '../report/modelCard.js';
import { bootstrapCI } from './bootstrap.js';
import { argmaxRows, predictProba, targetValues, type TrainedClassifier } from './classifier.js';
import { macroF1 } from './metrics.js';

/** 95% intervals of accuracy and macro F1; a label the model never saw counts as a miss. */
export function holdoutIntervals(model: TrainedClassifier, test: Table, seed = 0): Record<string, MetricInterval> {
  const k = model.classes.length;
  const index = new Map(model.classes.map((c, j) => [c, j]));
  const labels = targetValues(test, model.target);
  const rows: number[] = [];
  for (let i = 0; i < test.rows; i++) if (labels[i] !== null) rows.push(i);
  if (rows.length === 0) return {};
  const predicted = argmaxRows(predictProba(model, test), k);
  const truth = Int32Array.from(rows, (i) => index.get(labels[i] as string) ?? k);
  const guesses = Float64Array.from(rows, (i) => predicted[i]);
  const options = { iterations: 1000, level: 0.95, seed };
  const accuracy = bootstrapCI(truth, guesses, (y, p) => {
    let hits = 0;
    for (let i = 0; i < y.length; i++) if (y[i] === p[i]) hits++;
    return hits / y.length;
  }, options);
  const f1 = bootstrapCI(truth, guesses, (y, p) => macroF1(y, Int32Array.from(p), k + 1), options);
  return {
    accuracy: { lower: accuracy.lower, upper: accuracy.upper, level: 0.95 },
    macroF1: { lower: f1.lower, upper: f1.upper, level: 0.95 },
  };
}
