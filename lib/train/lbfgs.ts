// Generic L-BFGS minimizer over Float64Array with a strong-Wolfe line search (bracketing + cubic zoom).

/** Returns f(x) and writes ∇f(x) into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Maximum number of iterations (accepted steps). Default 200. */
  maxIter?: number;
  /** Converged when the max-abs gradient entry is ≤ tol. Default 1e-6. */
  tol?: number;
  /** Number of correction pairs kept. Default 10. */
  memory?: number;
  /** Function evaluations allowed per line search. Default 30. */
  maxLineSearch?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  /** Max-abs gradient entry at `x`. */
  gradNorm: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  message: string;
}

const C1 = 1e-4; // sufficient decrease (Armijo)
const C2 = 0.9; // curvature

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Minimizer of the cubic through (a, fa, da) and (b, fb, db), or NaN when it does not exist. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * ((db + d2 - d1) / (db - da + 2 * d2));
}

/** Minimizes `fg` from `x0` (not modified). */
export function minimizeLbfgs(fg: Objective, x0: Float64Array, opts: LbfgsOptions = {}): LbfgsResult {
  const maxIter = opts.maxIter ?? 200;
  const tol = opts.tol ?? 1e-6;
  const m = opts.memory ?? 10;
  const maxLs = opts.maxLineSearch ?? 30;
  const n = x0.length;

  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let f = fg(x, g);
  let evaluations = 1;
  const d = new Float64Array(n);
  const xt = new Float64Array(n);
  const gt = new Float64Array(n);
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);

  let iterations = 0;
  let message = 'maximum iterations reached';
  if (!Number.isFinite(f)) throw new Error('lbfgs: objective is not finite at the starting point');

  while (iterations < maxIter) {
    if (maxAbs(g) <= tol) {
      message = 'gradient norm below tolerance';
      break;
    }
    // Two-loop recursion: d = -H g.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    const k = sList.length;
    for (let j = k - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(sList[j], d);
      const y = yList[j];
      for (let i = 0; i < n; i++) d[i] -= alpha[j] * y[i];
    }
    if (k > 0) {
      const gamma = dot(sList[k - 1], yList[k - 1]) / dot(yList[k - 1], yList[k - 1]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    }
    for (let j = 0; j < k; j++) {
      const beta = rho[j] * dot(yList[j], d);
      const s = sList[j];
      for (let i = 0; i < n; i++) d[i] += (alpha[j] - beta) * s[i];
    }
    let dphi0 = dot(g, d);
    if (!(dphi0 < 0)) {
      // Not a descent direction: forget the curvature pairs and use steepest descent.
      sList.length = yList.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      dphi0 = dot(g, d);
    }

    // Line search for a step satisfying the strong Wolfe conditions.
    let lastF = NaN;
    const evalAt = (a: number): [number, number] => {
      for (let i = 0; i < n; i++) xt[i] = x[i] + a * d[i];
      lastF = fg(xt, gt);
      evaluations++;
      return [lastF, dot(gt, d)];
    };
    const phi0 = f;
    // Rounding slack on function comparisons: near the optimum f changes by ~|g|², below double
    // precision, and the search must then be steered by the directional derivative alone.
    const slack = 8 * Number.EPSILON * Math.abs(phi0);
    const armijoFails = (a: number, fa: number): boolean => !Number.isFinite(fa) || fa > phi0 + C1 * a * dphi0 + slack;
    let step = k === 0 ? Math.min(1, 1 / Math.sqrt(dot(d, d))) : 1;
    let accepted = NaN;
    let prevA = 0;
    let prevF = phi0;
    let prevD = dphi0;
    let lo = 0;
    let hi = NaN;
    let flo = phi0;
    let dlo = dphi0;
    let fhi = NaN;
    let dhi = NaN;
    let zooming = false;
    for (let ls = 0; ls < maxLs; ls++) {
      if (zooming) {
        let a = cubicMin(lo, flo, dlo, hi, fhi, dhi);
        const left = Math.min(lo, hi);
        const width = Math.abs(hi - lo);
        if (!(a > left + 0.1 * width && a < left + 0.9 * width)) a = (lo + hi) / 2;
        step = a;
      }
      const [ft, dt] = evalAt(step);
      if (!zooming) {
        if (armijoFails(step, ft) || (ls > 0 && ft > prevF + slack)) {
          zooming = true;
          lo = prevA; flo = prevF; dlo = prevD;
          hi = step; fhi = ft; dhi = dt;
          if (!Number.isFinite(ft)) { fhi = Number.MAX_VALUE; dhi = 0; }
          continue;
        }
        if (Math.abs(dt) <= -C2 * dphi0) { accepted = step; break; }
        if (dt >= 0) {
          zooming = true;
          lo = step; flo = ft; dlo = dt;
          hi = prevA; fhi = prevF; dhi = prevD;
          continue;
        }
        prevA = step; prevF = ft; prevD = dt;
        step *= 2;
      } else {
        if (armijoFails(step, ft) || ft > flo + slack) {
          hi = step; fhi = Number.isFinite(ft) ? ft : Number.MAX_VALUE; dhi = Number.isFinite(dt) ? dt : 0;
        } else {
          if (Math.abs(dt) <= -C2 * dphi0) { accepted = step; break; }
          if (dt * (hi - lo) >= 0) { hi = lo; fhi = flo; dhi = dlo; }
          lo = step; flo = ft; dlo = dt;
        }
        if (Math.abs(hi - lo) < 1e-16 * Math.max(1, Math.abs(lo))) break;
      }
    }
    if (Number.isNaN(accepted)) {
      // Fall back to the best point with sufficient decrease, if any.
      const best = zooming ? lo : prevA;
      if (best <= 0) {
        message = 'line search failed';
        break;
      }
      evalAt(best);
      accepted = best;
    }

    // Accept: (xt, gt) hold the point at `accepted` (the last evaluation).
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xt[i] - x[i];
      y[i] = gt[i] - g[i];
    }
    x.set(xt);
    g.set(gt);
    f = lastF;
    iterations++;
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (sList.length === m) {
        sList.shift();
        yList.shift();
        rho.shift();
      }
      sList.push(s);
      yList.push(y);
      rho.push(1 / sy);
    }
    if (maxAbs(s) <= 1e-16 * Math.max(1, maxAbs(x)) && maxAbs(g) > tol) {
      message = 'no further progress (step below machine precision)';
      break;
    }
  }
  const gradNorm = maxAbs(g);
  return { x, f, gradNorm, iterations, evaluations, converged: gradNorm <= tol, message };
}
