// Metrics: classification over class indices and row-major probability matrices (accuracy, log loss, ROC AUC, F1); regression (RMSE, MAE, R²).

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

/** F1 of one class treated as positive: 2·tp / (2·tp + fp + fn); 0 when that class never occurs nor is predicted. */
export function binaryF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, positive = 1): number {
  const n = yTrue.length;
  if (yPred.length !== n) throw new Error(`binaryF1: ${n} true labels but ${yPred.length} predictions`);
  let tp = 0;
  let trueCount = 0;
  let predCount = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i] === positive;
    const p = yPred[i] === positive;
    if (t) trueCount++;
    if (p) predCount++;
    if (t && p) tp++;
  }
  return trueCount + predCount === 0 ? 0 : (2 * tp) / (trueCount + predCount);
}

/**
 * Area under the ROC curve for `isPositive(i)` against `score(i)`, by the rank-sum (Mann–Whitney)
 * identity with tied scores sharing their average rank: the same number as scikit-learn's
 * trapezoidal roc_auc_score. NaN when the positives or the negatives are empty.
 */
function rankAuc(n: number, isPositive: (i: number) => boolean, score: (i: number) => number): number {
  const order = new Uint32Array(n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    s[i] = score(i);
    if (Number.isNaN(s[i])) throw new Error(`rocAuc: score at row ${i} is NaN`);
  }
  order.sort((a, b) => s[a] - s[b]);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && s[order[end]] === s[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // average of the 1-based ranks start+1 … end
    for (let q = start; q < end; q++) {
      if (isPositive(order[q])) {
        positives++;
        rankSum += rank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Binary ROC AUC: `yTrue` 1 marks a positive (anything else a negative), higher `score` means more positive. */
export function binaryRocAuc(yTrue: ArrayLike<number>, score: ArrayLike<number>): number {
  if (score.length !== yTrue.length) throw new Error(`rocAuc: ${yTrue.length} labels but ${score.length} scores`);
  return rankAuc(yTrue.length, (i) => yTrue[i] === 1, (i) => score[i]);
}

/**
 * ROC AUC from class probabilities (rows × classes, row-major). Two classes: the binary AUC of
 * column 1. More: macro one-vs-rest (scikit-learn's multi_class="ovr", average="macro"), the
 * unweighted mean over classes of each class's column against "is this class"; a class absent
 * from yTrue has no AUC and is left out of the mean. NaN when no class has an AUC.
 */
export function rocAuc(yTrue: Int32Array, proba: Float64Array, classes: number): number {
  const n = yTrue.length;
  if (proba.length !== n * classes) throw new Error(`rocAuc: proba has ${proba.length} values, expected ${n}×${classes}`);
  if (classes === 2) return rankAuc(n, (i) => yTrue[i] === 1, (i) => proba[i * 2 + 1]);
  let sum = 0;
  let used = 0;
  for (let c = 0; c < classes; c++) {
    const auc = rankAuc(n, (i) => yTrue[i] === c, (i) => proba[i * classes + c]);
    if (Number.isNaN(auc)) continue;
    sum += auc;
    used++;
  }
  return used === 0 ? NaN : sum / used;
}

function checkRegression(name: string, yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yPred.length !== yTrue.length) throw new Error(`${name}: ${yTrue.length} true values but ${yPred.length} predictions`);
  return yTrue.length;
}

/** Root mean squared error; NaN for no rows. */
export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkRegression('rmse', yTrue, yPred);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (yTrue[i] - yPred[i]) ** 2;
  return n === 0 ? NaN : Math.sqrt(ss / n);
}

/** Mean absolute error; NaN for no rows. */
export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkRegression('mae', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(yTrue[i] - yPred[i]);
  return n === 0 ? NaN : s / n;
}

/**
 * Coefficient of determination 1 − SS_res / SS_tot. When yTrue is constant (SS_tot = 0) it is 1 for
 * perfect predictions and 0 otherwise, as scikit-learn's r2_score (force_finite) gives. NaN for no rows.
 */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkRegression('r2', yTrue, yPred);
  if (n === 0) return NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i];
  mean /= n;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    res += (yTrue[i] - yPred[i]) ** 2;
    tot += (yTrue[i] - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

export interface RegressionScores {
  rmse: number;
  mae: number;
  r2: number;
  rows: number;
}

/** RMSE, MAE and R² in one object. */
export function regressionScores(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionScores {
  return { rmse: rmse(yTrue, yPred), mae: mae(yTrue, yPred), r2: r2(yTrue, yPred), rows: yTrue.length };
}
