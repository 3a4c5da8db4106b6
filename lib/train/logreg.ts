// Multinomial (softmax) logistic regression with an L2 penalty, trained by L-BFGS.
//
// Objective minimized (n rows, K classes, W is K × dim, b has K entries):
//   L(W, b) = (1/n) Σ_i −log softmax(W x_i + b)[y_i]  +  (l2 / 2) · ||W||²_F
// The intercepts b are not penalized. This equals scikit-learn's LogisticRegression
// (multinomial, lbfgs) with C = 1 / (n · l2), up to a constant factor on the whole objective.

import { minimizeLbfgs, type Objective } from './lbfgs.js';

export interface LogRegOptions {
  /** L2 penalty strength (≥ 0) on the weights, as in the objective above. */
  l2: number;
  /** Maximum L-BFGS iterations. Default 500. */
  maxIter?: number;
  /** Stop when the max-abs gradient entry is ≤ tol. Default 1e-6. */
  tol?: number;
}

export interface LogRegFit {
  /** classes × dim, row-major. */
  weights: Float64Array;
  /** One intercept per class. */
  bias: Float64Array;
  iterations: number;
  converged: boolean;
  /** Final objective value. */
  loss: number;
}

/** Writes softmax(W x_i + b) for row i into `out` (length K); returns log-sum-exp of the logits. */
function rowSoftmax(
  x: Float64Array, dim: number, i: number, w: ArrayLike<number>, b: ArrayLike<number>, k: number, out: Float64Array,
): number {
  const base = i * dim;
  let max = -Infinity;
  for (let c = 0; c < k; c++) {
    let z = b[c];
    const wb = c * dim;
    for (let j = 0; j < dim; j++) z += w[wb + j] * x[base + j];
    out[c] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let c = 0; c < k; c++) {
    out[c] = Math.exp(out[c] - max);
    sum += out[c];
  }
  for (let c = 0; c < k; c++) out[c] /= sum;
  return max + Math.log(sum);
}

/**
 * The objective above as a function of θ = [W (classes·dim, row-major), b (classes)],
 * writing its gradient. Exposed for gradient checks.
 */
export function logRegObjective(
  x: Float64Array, dim: number, y: Int32Array, classes: number, l2: number,
): Objective {
  const n = y.length;
  if (x.length !== n * dim) throw new Error(`logreg: x has ${x.length} values, expected ${n}×${dim}`);
  const p = new Float64Array(classes);
  const wLen = classes * dim;
  return (theta, grad) => {
    const w = theta.subarray(0, wLen);
    const b = theta.subarray(wLen);
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const yi = y[i];
      const lse = rowSoftmax(x, dim, i, w, b, classes, p);
      let zy = b[yi];
      for (let j = 0; j < dim; j++) zy += w[yi * dim + j] * x[i * dim + j];
      loss += lse - zy;
      p[yi] -= 1;
      for (let c = 0; c < classes; c++) {
        const r = p[c];
        if (r === 0) continue;
        const gb = c * dim;
        for (let j = 0; j < dim; j++) grad[gb + j] += r * x[i * dim + j];
        grad[wLen + c] += r;
      }
    }
    const inv = n > 0 ? 1 / n : 0;
    let penalty = 0;
    for (let q = 0; q < wLen; q++) {
      grad[q] = grad[q] * inv + l2 * w[q];
      penalty += w[q] * w[q];
    }
    for (let c = 0; c < classes; c++) grad[wLen + c] *= inv;
    return loss * inv + 0.5 * l2 * penalty;
  };
}

/**
 * Fits the model. `x` is rows × dim row-major, `y` holds class indices in [0, classes).
 * Starts from W = 0, b = 0.
 */
export function trainLogReg(
  x: Float64Array, dim: number, y: Int32Array, classes: number, opts: LogRegOptions,
): LogRegFit {
  if (classes < 2) throw new Error(`logreg: need at least 2 classes, got ${classes}`);
  if (!(opts.l2 >= 0)) throw new Error(`logreg: l2 must be ≥ 0, got ${opts.l2}`);
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0 || y[i] >= classes) throw new Error(`logreg: label ${y[i]} at row ${i} outside [0, ${classes})`);
  }
  const objective = logRegObjective(x, dim, y, classes, opts.l2);
  const theta0 = new Float64Array(classes * dim + classes);
  const res = minimizeLbfgs(objective, theta0, { maxIter: opts.maxIter ?? 500, tol: opts.tol ?? 1e-6 });
  return {
    weights: res.x.slice(0, classes * dim),
    bias: res.x.slice(classes * dim),
    iterations: res.iterations,
    converged: res.converged,
    loss: res.f,
  };
}

/**
 * Class probabilities, rows × classes row-major, for a rows × dim matrix `x`.
 * `rows` defaults to x.length / dim (pass it when dim is 0).
 */
export function predictProbaLinear(
  x: Float64Array, dim: number, weights: ArrayLike<number>, bias: ArrayLike<number>, classes: number,
  rows: number = dim > 0 ? x.length / dim : 0,
): Float64Array {
  const out = new Float64Array(rows * classes);
  const p = new Float64Array(classes);
  for (let i = 0; i < rows; i++) {
    rowSoftmax(x, dim, i, weights, bias, classes, p);
    out.set(p, i * classes);
  }
  return out;
}
