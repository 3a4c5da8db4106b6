// The boosting loop: bins the data, grows one tree per output and round, keeps the best round on validation.

import { mulberry32 } from '../cv.js';
import { binMatrix, fitBinMapper, MISSING_BIN, thresholdOf, type BinMapper } from './binning.js';
import { TreeGrower, type GrownTree } from './grow.js';
import { histogramInput } from './records.js';
import { gradientPass } from './gradientPass.js';
import { checkLabels, checkMatrix, holdout } from './inputs.js';
import { baseScores, fillGradients, meanLoss, softmaxRows } from './objective.js';
import { addTreeScores, flattenTree } from './predict.js';
import { outputsOf, resolveParams, type GbdtModel, type GbdtNode, type GbdtOptions, type GbdtTree } from './types.js';

/** Converts a grown tree (bins) to model nodes (raw float32-exact thresholds). */
function toModelTree(t: GrownTree, mapper: BinMapper, classIndex: number): GbdtTree {
  const nodes: GbdtNode[] = t.feature.map((f, i) =>
    f < 0
      ? { kind: 'leaf', value: t.value[i], count: t.count[i] }
      : {
          kind: 'split', feature: f, threshold: thresholdOf(mapper, f, t.bin[i]), defaultLeft: t.defaultLeft[i],
          left: t.left[i], right: t.right[i], gain: t.gain[i], count: t.count[i],
        },
  );
  return { classIndex, nodes };
}

/** Leaf value reached by training row r, walking the grown tree over bin codes. */
function binnedValue(t: GrownTree, columns: Uint8Array, rows: number, r: number): number {
  let node = 0;
  while (t.feature[node] >= 0) {
    const c = columns[t.feature[node] * rows + r];
    node = (c === MISSING_BIN ? t.defaultLeft[node] : c <= t.bin[node]) ? t.left[node] : t.right[node];
  }
  return t.value[node];
}

/** Draws each row with probability `rate` into idx (ascending); marks drawn rows in `mask` (when rate < 1); returns the count. */
function sampleRows(rows: number, rate: number, rand: () => number, idx: Int32Array, mask: Uint8Array): number {
  if (rate >= 1) {
    for (let i = 0; i < rows; i++) idx[i] = i;
    return rows;
  }
  let m = 0;
  for (let i = 0; i < rows; i++) {
    const keep = rate >= 1 || rand() < rate;
    mask[i] = keep ? 1 : 0;
    if (keep) idx[m++] = i;
  }
  return m;
}

/** Draws max(1, round(rate · features)) features (ascending). */
function sampleFeatures(features: number, rate: number, rand: () => number): Int32Array {
  const all = Int32Array.from({ length: features }, (_, f) => f);
  if (rate >= 1) return all;
  const m = Math.max(1, Math.round(rate * features));
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (features - i));
    const t = all[i];
    all[i] = all[j];
    all[j] = t;
  }
  return all.slice(0, m).sort();
}

/**
 * Trains gradient-boosted trees on a column-major matrix x (x[f·rows + i], NaN = missing).
 * y: regression targets, or class indices (binary: 0/1; multiclass: 0..numClass−1).
 */
export function trainGbdt(x: Float64Array, rows: number, features: number, y: Float64Array | Int32Array, options: GbdtOptions): GbdtModel {
  const p = resolveParams(options);
  checkMatrix(x, rows, features);
  if (y.length !== rows) throw new Error(`trainGbdt: y has ${y.length} values for ${rows} rows`);
  const numClass = checkLabels(p.objective, y, options.numClass);
  let valid = options.validation ?? null;
  let train = { x, rows, y };
  if (p.earlyStoppingRounds !== null && !valid) {
    const h = holdout(p.objective, x, rows, features, y, p.validationFraction, p.seed);
    train = h.train;
    valid = h.valid;
  }
  if (valid) {
    checkMatrix(valid.x, valid.rows, features, 'validation.x');
    if (valid.y.length !== valid.rows) throw new Error(`trainGbdt: validation.y has ${valid.y.length} values for ${valid.rows} rows`);
    checkLabels(p.objective, valid.y, numClass, 'validation.y');
  }
  const n = train.rows;
  const ty = train.y;
  if (p.objective === 'binary') {
    let pos = 0;
    for (let i = 0; i < n; i++) pos += ty[i];
    if (pos === 0 || pos === n) throw new Error('trainGbdt: binary training labels hold a single class');
  }

  const mapper = fitBinMapper(train.x, n, features, p.maxBins, p.binSampleRows, p.seed);
  const binned = binMatrix(train.x, n, features, mapper);
  const { columns } = binned;
  const outputs = outputsOf(p.objective, numClass);
  const base = baseScores(p.objective, ty, numClass);
  const scores = new Float64Array(n * outputs);
  for (let i = 0; i < n; i++) for (let k = 0; k < outputs; k++) scores[i * outputs + k] = base[k];
  const probs = new Float64Array(p.objective === 'multiclass' ? n * outputs : 0);
  const vScores = valid ? new Float64Array(valid.rows * outputs) : null;
  if (valid && vScores) for (let i = 0; i < valid.rows; i++) for (let k = 0; k < outputs; k++) vScores[i * outputs + k] = base[k];

  const input = histogramInput(binned, n, features, 1);
  const rules = { lambda: p.lambda, minChildWeight: p.minChildWeight, minSamplesLeaf: p.minSamplesLeaf, minSplitGain: p.minSplitGain };
  const grower = new TreeGrower(input, {
    rules, numBins: mapper.numBins, maxDepth: p.maxDepth, maxLeaves: p.maxLeaves, growth: p.growth, learningRate: p.learningRate,
    boundCounts: p.objective !== 'regression',
  }, n);
  // Binary/regression with every row drawn: one sequential pass per tree does the previous tree's score
  // update (by each row's leaf number, written per leaf: bytes instead of scattered float64 updates),
  // the gradients and their sums (gradientPass.ts).
  const fused = outputs === 1 && p.subsample >= 1 && p.maxLeaves <= 256;
  const leafOf = new Uint8Array(fused ? n : 0);
  const leafValue = new Float64Array(fused ? 256 : 0);
  let pending = false;
  const idx = new Int32Array(n);
  const mask = new Uint8Array(n);
  const rand = mulberry32(p.seed);
  const trees: GbdtTree[] = [];
  const losses: number[] = [];
  let best = -1;
  let bestLoss = Infinity;
  let round = 0;
  for (; round < p.nEstimators; round++) {
    if (p.objective === 'multiclass') softmaxRows(scores, n, outputs, probs);
    for (let k = 0; k < outputs; k++) {
      // Straight into the records' float32 slots (the same float32 values setGradients would store).
      const sums = fused ? gradientPass(p.objective === 'binary', scores, ty, input, pending ? leafOf : null, leafValue) : null;
      if (!fused) fillGradients(p.objective, scores, probs, ty, outputs, k, input.grads, input.stride >> 2, (input.stride >> 2) - 2);
      const m = sampleRows(n, p.subsample, rand, idx, mask);
      const feats = sampleFeatures(features, p.colsampleBytree, rand);
      const grown = grower.grow(idx, m, feats, sums);
      for (let j = 0; j < grown.leaves.length; j++) {
        const leaf = grown.leaves[j];
        const v = grown.value[leaf.node];
        if (fused) {
          leafValue[j] = v;
          for (let q = leaf.start; q < leaf.end; q++) leafOf[idx[q]] = j;
        } else {
          for (let q = leaf.start; q < leaf.end; q++) scores[idx[q] * outputs + k] += v;
        }
      }
      pending = fused;
      if (m < n) for (let i = 0; i < n; i++) if (!mask[i]) scores[i * outputs + k] += binnedValue(grown, columns, n, i);
      const tree = toModelTree(grown, mapper, k);
      trees.push(tree);
      if (valid && vScores) addTreeScores(flattenTree(tree), valid.x, valid.rows, vScores, outputs);
    }
    if (valid && vScores) {
      const loss = meanLoss(p.objective, vScores, valid.y, outputs);
      losses.push(loss);
      if (loss < bestLoss) {
        bestLoss = loss;
        best = round;
      }
      options.onIteration?.({ iteration: round + 1, validationLoss: loss });
      if (p.earlyStoppingRounds !== null && round - best >= p.earlyStoppingRounds) {
        round++;
        break;
      }
    } else {
      options.onIteration?.({ iteration: round + 1 });
    }
  }
  const kept = p.earlyStoppingRounds !== null ? best + 1 : round;
  return {
    kind: 'gbdt',
    objective: p.objective,
    numClass: p.objective === 'regression' ? 1 : numClass,
    numFeatures: features,
    baseScores: base,
    bestIteration: kept,
    iterations: round,
    trees: trees.slice(0, kept * outputs),
    ...(valid ? { validationLoss: losses } : {}),
    params: p,
  };
}
