// Holdout metrics of any model's outputs (trainer or ONNX graph) against the truth, and which way each metric is better.
import { argmaxRows } from './classifier.js';
import { accuracy, logLoss, macroF1, regressionScores, rocAuc } from './metrics.js';
import type { Task } from './model.js';

/** Every metric a pipeline can gate on, with its task and direction. */
export const METRICS = {
  accuracy: { task: 'classification', higherIsBetter: true },
  macroF1: { task: 'classification', higherIsBetter: true },
  rocAuc: { task: 'classification', higherIsBetter: true },
  logLoss: { task: 'classification', higherIsBetter: false },
  rmse: { task: 'regression', higherIsBetter: false },
  mae: { task: 'regression', higherIsBetter: false },
  r2: { task: 'regression', higherIsBetter: true },
} as const satisfies Record<string, { task: Task; higherIsBetter: boolean }>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** The metric a pipeline optimizes when its gate names none. */
export function defaultMetric(task: Task): MetricName {
  return task === 'regression' ? 'rmse' : 'accuracy';
}

/** Positive when `a` is better than `b` on `metric` (by how much, in the metric's units). */
export function improvement(metric: MetricName, a: number, b: number): number {
  return METRICS[metric].higherIsBetter ? a - b : b - a;
}

/**
 * Classification metrics of class probabilities (rows × classes, row-major, in `classes` order)
 * against true labels. A label outside `classes` counts as a miss (probability 0 for it), so a
 * model that never saw a class pays for it. Rows whose truth is null are skipped.
 */
export function classificationMetrics(truth: readonly (string | null)[], classes: readonly string[], proba: ArrayLike<number>): Record<string, number> {
  const k = classes.length;
  if (proba.length !== truth.length * k) throw new Error(`classificationMetrics: ${proba.length} probabilities for ${truth.length} rows × ${k} classes`);
  const index = new Map(classes.map((c, j) => [c, j]));
  const rows: number[] = [];
  for (let i = 0; i < truth.length; i++) if (truth[i] !== null) rows.push(i);
  const widened = new Float64Array(rows.length * (k + 1));
  rows.forEach((i, r) => {
    for (let c = 0; c < k; c++) widened[r * (k + 1) + c] = proba[i * k + c];
  });
  const y = Int32Array.from(rows, (i) => index.get(truth[i] as string) ?? k);
  const unseen = y.some((v) => v === k);
  return {
    accuracy: accuracy(y, widened, k + 1),
    macroF1: macroF1(y, argmaxRows(widened, k + 1), k + 1),
    logLoss: logLoss(y, widened, k + 1),
    // An unseen class has no probability column to rank by: AUC over the known classes' rows only.
    rocAuc: unseen ? knownClassAuc(y, widened, k) : rocAuc(y, narrow(widened, k), k),
    rows: rows.length,
  };
}

function narrow(widened: Float64Array, k: number): Float64Array {
  const rows = widened.length / (k + 1);
  const out = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) out.set(widened.subarray(r * (k + 1), r * (k + 1) + k), r * k);
  return out;
}

function knownClassAuc(y: Int32Array, widened: Float64Array, k: number): number {
  const keep: number[] = [];
  for (let r = 0; r < y.length; r++) if (y[r] < k) keep.push(r);
  const proba = narrow(widened, k);
  const sub = new Float64Array(keep.length * k);
  keep.forEach((r, i) => sub.set(proba.subarray(r * k, r * k + k), i * k));
  return rocAuc(Int32Array.from(keep, (r) => y[r]), sub, k);
}

/** RMSE, MAE and R² of predicted values; rows whose truth is NaN are skipped. */
export function regressionMetrics(truth: ArrayLike<number>, values: ArrayLike<number>): Record<string, number> {
  if (values.length !== truth.length) throw new Error(`regressionMetrics: ${values.length} predictions for ${truth.length} rows`);
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < truth.length; i++) {
    if (Number.isNaN(truth[i])) continue;
    t.push(truth[i]);
    v.push(values[i]);
  }
  const s = regressionScores(t, v);
  return { rmse: s.rmse, mae: s.mae, r2: s.r2, rows: s.rows };
}
