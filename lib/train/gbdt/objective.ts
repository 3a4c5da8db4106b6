// Losses of the three objectives: start scores, gradients/hessians, mean loss and the raw-score → probability maps.

import type { GbdtObjective } from './types.js';

/** Smallest hessian kept, so that a saturated row still counts toward minChildWeight as a positive weight. */
export const MIN_HESSIAN = 1e-16;

/** Logistic function (exp(−s) overflowing to Infinity gives 0, never NaN). */
export function sigmoid(s: number): number {
  return 1 / (1 + Math.exp(-s));
}

/** In-place softmax of scores[off..off+k). */
export function softmaxAt(scores: Float64Array, off: number, k: number, out: Float64Array, outOff: number): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) if (scores[off + c] > max) max = scores[off + c];
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp(scores[off + c] - max);
    out[outOff + c] = e;
    sum += e;
  }
  for (let c = 0; c < k; c++) out[outOff + c] /= sum;
}

/**
 * The constant start of the raw score, float32-exact: the mean (regression), the log-odds of the
 * positive rate (binary), the log of each class's share (multiclass; absent classes get log 1e-15).
 */
export function baseScores(objective: GbdtObjective, y: ArrayLike<number>, numClass: number): number[] {
  const n = y.length;
  if (objective === 'regression') {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += y[i];
    return [Math.fround(sum / n)];
  }
  const counts = new Float64Array(numClass);
  for (let i = 0; i < n; i++) counts[y[i]]++;
  if (objective === 'binary') {
    const p = counts[1] / n;
    return [Math.fround(Math.log(p / (1 - p)))];
  }
  return Array.from(counts, (c) => Math.fround(Math.log(Math.max(c / n, 1e-15))));
}

/**
 * Writes the gradient/hessian pair of output k for every row i at gh[off + i·step] and gh[off + i·step + 1]
 * (a Float64Array [g0, h0, g1, h1, …] with step 2, or the float32 slots of the row records).
 * `scores` is rows × outputs row-major; for multiclass `probs` must hold the softmax of `scores` (see softmaxRows).
 */
export function fillGradients(
  objective: GbdtObjective, scores: Float64Array, probs: Float64Array, y: ArrayLike<number>, outputs: number, k: number,
  gh: Float64Array | Float32Array, step = 2, off = 0,
): void {
  const n = y.length;
  if (objective === 'regression') {
    for (let i = 0, o = off; i < n; i++, o += step) {
      gh[o] = scores[i] - y[i];
      gh[o + 1] = 1;
    }
  } else if (objective === 'binary') {
    for (let i = 0, o = off; i < n; i++, o += step) {
      const p = sigmoid(scores[i]);
      gh[o] = p - y[i];
      gh[o + 1] = Math.max(p * (1 - p), MIN_HESSIAN);
    }
  } else {
    for (let i = 0, o = off; i < n; i++, o += step) {
      const p = probs[i * outputs + k];
      gh[o] = p - (y[i] === k ? 1 : 0);
      gh[o + 1] = Math.max(p * (1 - p), MIN_HESSIAN);
    }
  }
}

/** Softmax of every row of a rows × k score matrix into `out`. */
export function softmaxRows(scores: Float64Array, rows: number, k: number, out: Float64Array): void {
  for (let i = 0; i < rows; i++) softmaxAt(scores, i * k, k, out, i * k);
}

/** Mean loss: squared error, log loss, or multiclass log loss, from raw scores (rows × outputs). */
export function meanLoss(objective: GbdtObjective, scores: Float64Array, y: ArrayLike<number>, outputs: number): number {
  const n = y.length;
  let sum = 0;
  if (objective === 'regression') {
    for (let i = 0; i < n; i++) sum += (scores[i] - y[i]) ** 2;
  } else if (objective === 'binary') {
    for (let i = 0; i < n; i++) {
      const s = scores[i];
      sum += Math.max(s, 0) - y[i] * s + Math.log1p(Math.exp(-Math.abs(s)));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const off = i * outputs;
      let max = -Infinity;
      for (let c = 0; c < outputs; c++) if (scores[off + c] > max) max = scores[off + c];
      let e = 0;
      for (let c = 0; c < outputs; c++) e += Math.exp(scores[off + c] - max);
      sum += max + Math.log(e) - scores[off + y[i]];
    }
  }
  return n > 0 ? sum / n : NaN;
}
