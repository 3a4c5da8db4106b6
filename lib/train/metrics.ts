// Classification metrics over class indices and row-major probability matrices.

/** Fraction of rows whose most probable class (first on ties) is the true one. */
export function accuracy(yTrue: Int32Array, proba: Float64Array, classes: number): number {
  const n = yTrue.length;
  if (proba.length !== n * classes) throw new Error(`accuracy: proba has ${proba.length} values, expected ${n}×${classes}`);
  if (n === 0) return NaN;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (proba[i * classes + c] > proba[i * classes + best]) best = c;
    if (best === yTrue[i]) hits++;
  }
  return hits / n;
}

/** Mean negative log-probability of the true class, probabilities clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(yTrue: Int32Array, proba: Float64Array, classes: number): number {
  const n = yTrue.length;
  if (proba.length !== n * classes) throw new Error(`logLoss: proba has ${proba.length} values, expected ${n}×${classes}`);
  if (n === 0) return NaN;
  const eps = 1e-15;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - eps, Math.max(eps, proba[i * classes + yTrue[i]]));
    sum -= Math.log(p);
  }
  return sum / n;
}

/**
 * Unweighted mean of per-class F1 over the classes that occur in yTrue or yPred (classes that
 * occur in neither are left out, as scikit-learn does without an explicit label list). A class
 * that occurs but is never predicted correctly scores 0.
 */
export function macroF1(yTrue: Int32Array, yPred: Int32Array, classes: number): number {
  const n = yTrue.length;
  if (yPred.length !== n) throw new Error(`macroF1: ${n} true labels but ${yPred.length} predictions`);
  const tp = new Float64Array(classes);
  const trueCount = new Float64Array(classes);
  const predCount = new Float64Array(classes);
  for (let i = 0; i < n; i++) {
    trueCount[yTrue[i]]++;
    predCount[yPred[i]]++;
    if (yTrue[i] === yPred[i]) tp[yTrue[i]]++;
  }
  let sum = 0;
  let used = 0;
  for (let c = 0; c < classes; c++) {
    if (trueCount[c] === 0 && predCount[c] === 0) continue;
    used++;
    sum += (2 * tp[c]) / (trueCount[c] + predCount[c]);
  }
  return used === 0 ? NaN : sum / used;
}
