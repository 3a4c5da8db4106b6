// Linear and ridge regression with an unpenalized intercept, solved exactly (Cholesky on the standardized normal equations).
//
// Objective (n rows, x row-major n × dim):  ||y − X w − b||² + alpha · ||w||²   (b not penalized),
// the same as scikit-learn's Ridge(alpha) and, for alpha = 0, LinearRegression.
// Method: centre X and y (this removes b), scale each centred column to unit variance (z_j = x_j / s_j),
// and solve (ZᵀZ + alpha·diag(1/s²)) v = Zᵀy_c by Cholesky, then w = v / s and b = ȳ − x̄·w.
// Scaling keeps the system well conditioned when features have very different units; the penalty
// is rescaled so the answer is the one for the original features.
// When the design is rank-deficient (collinear columns, a complete one-hot block beside the intercept)
// and alpha = 0, there are many least-squares solutions: we return the one with the smallest ||w||,
// as scikit-learn's LinearRegression (lstsq) does.

export interface RidgeOptions {
  /** L2 penalty on the weights (≥ 0); 0 is ordinary least squares. */
  alpha: number;
}

export interface RidgeFit {
  /** One weight per feature, on the features as given. */
  weights: Float64Array;
  bias: number;
  alpha: number;
  /** Numerical rank of the centred design (dim unless columns are collinear and alpha = 0). */
  rank: number;
}

/** Relative pivot (or eigenvalue) below which the standardized system counts as singular. */
const SINGULAR = 1e-10;

/** In-place Cholesky factorization of a d × d SPD matrix (lower triangle used); false when a pivot is ≤ tol·diag. */
function cholesky(a: Float64Array, d: number): boolean {
  for (let j = 0; j < d; j++) {
    const diag = a[j * d + j];
    let s = diag;
    for (let k = 0; k < j; k++) s -= a[j * d + k] * a[j * d + k];
    if (!(s > SINGULAR * Math.max(diag, 1e-300))) return false;
    const l = Math.sqrt(s);
    a[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j];
      for (let k = 0; k < j; k++) t -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = t / l;
    }
  }
  return true;
}

/** Solves L Lᵀ v = b given the factor from `cholesky`. */
function choleskySolve(l: Float64Array, d: number, b: Float64Array): Float64Array {
  const v = Float64Array.from(b);
  for (let i = 0; i < d; i++) {
    let t = v[i];
    for (let k = 0; k < i; k++) t -= l[i * d + k] * v[k];
    v[i] = t / l[i * d + i];
  }
  for (let i = d - 1; i >= 0; i--) {
    let t = v[i];
    for (let k = i + 1; k < d; k++) t -= l[k * d + i] * v[k];
    v[i] = t / l[i * d + i];
  }
  return v;
}

/** Eigen-decomposition of a symmetric d × d matrix by cyclic Jacobi rotations: values, and vectors as columns (row-major d × d). */
function symmetricEigen(input: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let norm = 0;
  for (const e of a) norm += e * e;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
    if (off <= 1e-30 * norm) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i];
  return { values, vectors: v };
}

/**
 * Minimum-‖w‖ least-squares solution for a rank-deficient standardized system G v = c (G = ZᵀZ/n).
 * The pseudo-inverse gives one solution v; its w = v/s is then stripped of its component in the
 * null space of the centred design, {w = u/s : G u = 0}, measured in the original w metric.
 */
function minimumNormSolve(g: Float64Array, c: Float64Array, s: Float64Array, d: number): { w: Float64Array; rank: number } {
  const { values, vectors } = symmetricEigen(g, d);
  const top = Math.max(...values, 0);
  const w = new Float64Array(d);
  const nullBasis: Float64Array[] = [];
  for (let e = 0; e < d; e++) {
    const u = Float64Array.from({ length: d }, (_, i) => vectors[i * d + e]);
    if (values[e] <= SINGULAR * top) {
      nullBasis.push(u.map((ui, i) => ui / s[i]));
      continue;
    }
    let proj = 0;
    for (let i = 0; i < d; i++) proj += u[i] * c[i];
    for (let i = 0; i < d; i++) w[i] += (u[i] * proj) / values[e] / s[i];
  }
  const m = nullBasis.length;
  if (m > 0) {
    // Project w onto the orthogonal complement of span(nullBasis): solve (BᵀB) t = Bᵀw, w −= B t.
    const btb = new Float64Array(m * m);
    const btw = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) btb[a * m + b] = dot(nullBasis[a], nullBasis[b]);
      btw[a] = dot(nullBasis[a], w);
    }
    if (!cholesky(btb, m)) throw new Error('ridge: could not orthogonalize the null space of the design');
    const t = choleskySolve(btb, m, btw);
    for (let a = 0; a < m; a++) for (let i = 0; i < d; i++) w[i] -= t[a] * nullBasis[a][i];
  }
  return { w, rank: d - m };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Fits weights and intercept. `x` is rows × dim row-major; every value must be finite (preprocess first). */
export function trainRidge(x: Float64Array, rows: number, dim: number, y: Float64Array, opts: RidgeOptions): RidgeFit {
  const { alpha } = opts;
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new Error(`ridge: alpha must be a finite number ≥ 0, got ${alpha}`);
  if (x.length !== rows * dim) throw new Error(`ridge: x has ${x.length} values, expected ${rows}×${dim}`);
  if (y.length !== rows) throw new Error(`ridge: y has ${y.length} values, expected ${rows}`);
  if (rows === 0) throw new Error('ridge: no rows to fit');
  for (let q = 0; q < x.length; q++) {
    if (!Number.isFinite(x[q])) throw new Error(`ridge: x[row ${Math.floor(q / dim)}, column ${q % dim}] is ${x[q]}; impute missing values first`);
  }
  let yMean = 0;
  for (let i = 0; i < rows; i++) {
    if (!Number.isFinite(y[i])) throw new Error(`ridge: y[${i}] is ${y[i]}; drop unlabelled rows first`);
    yMean += y[i];
  }
  yMean /= rows;
  const mean = new Float64Array(dim);
  for (let i = 0; i < rows; i++) for (let j = 0; j < dim; j++) mean[j] += x[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= rows;

  // Centred cross-products (one pass), then scale to the standardized design.
  const g = new Float64Array(dim * dim);
  const c = new Float64Array(dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < dim; j++) row[j] = x[i * dim + j] - mean[j];
    const yc = y[i] - yMean;
    for (let j = 0; j < dim; j++) {
      const rj = row[j];
      c[j] += rj * yc;
      for (let k = 0; k <= j; k++) g[j * dim + k] += rj * row[k];
    }
  }
  const s = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    const sd = Math.sqrt(g[j * dim + j] / rows);
    s[j] = sd > 1e-12 * (Math.abs(mean[j]) + 1) ? sd : 1;
  }
  for (let j = 0; j < dim; j++) {
    c[j] /= rows * s[j];
    for (let k = 0; k <= j; k++) {
      g[j * dim + k] /= rows * s[j] * s[k];
      g[k * dim + j] = g[j * dim + k];
    }
  }
  const a = Float64Array.from(g);
  for (let j = 0; j < dim; j++) a[j * dim + j] += alpha / (rows * s[j] * s[j]);

  const factor = Float64Array.from(a);
  let w: Float64Array;
  let rank = dim;
  if (dim === 0) {
    w = new Float64Array(0);
  } else if (cholesky(factor, dim)) {
    const v = choleskySolve(factor, dim, c);
    // One step of iterative refinement against the unfactored system.
    const r = new Float64Array(dim);
    for (let j = 0; j < dim; j++) {
      let t = c[j];
      for (let k = 0; k < dim; k++) t -= a[j * dim + k] * v[k];
      r[j] = t;
    }
    const dv = choleskySolve(factor, dim, r);
    w = v.map((vj, j) => (vj + dv[j]) / s[j]);
  } else {
    // Singular only when alpha is (close to) 0: ridge tends to the minimum-norm solution as alpha → 0.
    ({ w, rank } = minimumNormSolve(g, c, s, dim));
  }
  let bias = yMean;
  for (let j = 0; j < dim; j++) bias -= mean[j] * w[j];
  return { weights: w, bias, alpha, rank };
}

/** Predictions X w + b for a rows × dim row-major matrix. */
export function predictRidge(
  x: Float64Array, rows: number, dim: number, fit: { weights: ArrayLike<number>; bias: number },
): Float64Array {
  if (x.length !== rows * dim) throw new Error(`ridge: x has ${x.length} values, expected ${rows}×${dim}`);
  if (fit.weights.length !== dim) throw new Error(`ridge: model has ${fit.weights.length} weights, data has ${dim} columns`);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let z = fit.bias;
    for (let j = 0; j < dim; j++) z += fit.weights[j] * x[i * dim + j];
    out[i] = z;
  }
  return out;
}
