// One pass over every row before a tree (binary/regression, all rows drawn): the previous tree's scores, the gradients and their sums.

import { MIN_HESSIAN, sigmoid } from './objective.js';
import type { HistogramInput } from './records.js';

/** Gradient and hessian sums over a node's rows and its largest hessian (see sumGradients). */
export interface GradientSums {
  G: number;
  H: number;
  hmax: number;
}

/**
 * Adds the previous tree's leaf values to the scores (when `leafOf` is given: leafValue[leafOf[i]],
 * a sequential pass instead of a scattered one by leaf), then writes each row's float32 gradient
 * pair into its record and sums them: the same values in the same order as the score update by
 * leaves, fillGradients and sumGradients over every row, so the tree is bit for bit the same.
 */
export function gradientPass(
  binary: boolean, scores: Float64Array, y: Float64Array | Int32Array, input: HistogramInput,
  leafOf: Uint8Array | null, leafValue: Float64Array,
): GradientSums {
  const { grads, rows } = input;
  const rw = input.stride >> 2;
  if (leafOf) for (let i = 0; i < rows; i++) scores[i] += leafValue[leafOf[i]];
  let G = 0;
  let H = 0;
  let hmax = 0;
  if (binary) {
    for (let i = 0, o = rw - 2; i < rows; i++, o += rw) {
      const p = sigmoid(scores[i]);
      const g = Math.fround(p - y[i]);
      const h = Math.fround(Math.max(p * (1 - p), MIN_HESSIAN));
      grads[o] = g;
      grads[o + 1] = h;
      G += g;
      H += h;
      if (h > hmax) hmax = h;
    }
  } else {
    for (let i = 0, o = rw - 2; i < rows; i++, o += rw) {
      const g = Math.fround(scores[i] - y[i]);
      grads[o] = g;
      grads[o + 1] = 1;
      G += g;
      H += 1;
    }
    hmax = rows > 0 ? 1 : 0;
  }
  return { G, H, hmax };
}
