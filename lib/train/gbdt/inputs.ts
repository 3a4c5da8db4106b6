// Checks of the training inputs (shape, labels) and the held-out validation split for early stopping.

import { mulberry32, trainTestSplit } from '../cv.js';
import type { GbdtObjective, GbdtValidation } from './types.js';

function fail(message: string): never {
  throw new Error(`trainGbdt: ${message}`);
}

/** Checks y against the objective; returns the class count (1 for regression). */
export function checkLabels(objective: GbdtObjective, y: ArrayLike<number>, numClass: number | undefined, what = 'y'): number {
  const n = y.length;
  if (objective === 'regression') {
    for (let i = 0; i < n; i++) if (!Number.isFinite(y[i])) fail(`${what}[${i}] is ${y[i]}; regression targets must be finite`);
    return 1;
  }
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || v < 0) fail(`${what}[${i}] is ${v}; class labels must be integers 0..K−1`);
    if (v > max) max = v;
  }
  if (objective === 'binary') {
    if (max > 1) fail(`${what} holds label ${max}; binary labels must be 0 or 1`);
    return 2;
  }
  const k = numClass ?? max + 1;
  if (!Number.isInteger(k) || k < 2) fail(`numClass must be an integer ≥ 2, got ${k}`);
  if (max >= k) fail(`${what} holds label ${max}, outside 0..${k - 1} (numClass ${k})`);
  return k;
}

/** Checks that x holds rows × features values (column-major). */
export function checkMatrix(x: Float64Array, rows: number, features: number, what = 'x'): void {
  if (!Number.isInteger(rows) || rows < 1) fail(`${what}: rows must be an integer ≥ 1, got ${rows}`);
  if (!Number.isInteger(features) || features < 1) fail(`features must be an integer ≥ 1, got ${features}`);
  if (x.length !== rows * features) fail(`${what} has ${x.length} values, expected ${rows} rows × ${features} features (column-major)`);
}

/** Rows `take` of a column-major matrix, as a new column-major matrix. */
export function takeColumnMajor(x: Float64Array, rows: number, features: number, take: Int32Array): Float64Array {
  const m = take.length;
  const out = new Float64Array(m * features);
  for (let f = 0; f < features; f++) {
    const src = f * rows;
    const dst = f * m;
    for (let k = 0; k < m; k++) out[dst + k] = x[src + take[k]];
  }
  return out;
}

export interface Holdout {
  train: { x: Float64Array; rows: number; y: Float64Array | Int32Array };
  valid: GbdtValidation;
}

/** Splits off `fraction` of the rows (stratified by class for classifiers), seeded. */
export function holdout(
  objective: GbdtObjective, x: Float64Array, rows: number, features: number, y: Float64Array | Int32Array, fraction: number, seed: number,
): Holdout {
  let split: { train: Int32Array; test: Int32Array };
  if (objective === 'regression') {
    const order = Int32Array.from({ length: rows }, (_, i) => i);
    const rand = mulberry32(seed ^ 0x2545f491);
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    const m = Math.round(rows * fraction);
    split = { test: order.slice(0, m).sort(), train: order.slice(m).sort() };
  } else {
    split = trainTestSplit(y, fraction, seed ^ 0x2545f491);
  }
  if (split.test.length === 0 || split.train.length === 0) {
    fail(`validationFraction ${fraction} of ${rows} rows leaves an empty training or validation part`);
  }
  const pick = (idx: Int32Array) => (y instanceof Int32Array ? Int32Array.from(idx, (i) => y[i]) : Float64Array.from(idx, (i) => y[i]));
  return {
    train: { x: takeColumnMajor(x, rows, features, split.train), rows: split.train.length, y: pick(split.train) },
    valid: { x: takeColumnMajor(x, rows, features, split.test), rows: split.test.length, y: pick(split.test) },
  };
}
