// Prediction from a GbdtModel over column-major raw features: raw scores, probabilities, values, importances.

import { sigmoid, softmaxAt } from './objective.js';
import { outputsOf, type GbdtModel, type GbdtTree } from './types.js';

/** One tree as flat arrays; feature −1 marks a leaf. */
export interface FlatTree {
  classIndex: number;
  feature: Int32Array;
  threshold: Float64Array;
  defaultLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

export function flattenTree(tree: GbdtTree): FlatTree {
  const n = tree.nodes.length;
  const t: FlatTree = {
    classIndex: tree.classIndex,
    feature: new Int32Array(n).fill(-1),
    threshold: new Float64Array(n),
    defaultLeft: new Uint8Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    value: new Float64Array(n),
  };
  tree.nodes.forEach((node, i) => {
    if (node.kind === 'leaf') {
      t.value[i] = node.value;
      return;
    }
    t.feature[i] = node.feature;
    t.threshold[i] = node.threshold;
    t.defaultLeft[i] = node.defaultLeft ? 1 : 0;
    t.left[i] = node.left;
    t.right[i] = node.right;
  });
  return t;
}

/**
 * Adds the tree's leaf value to scores[i·outputs + classIndex] for every row of the column-major
 * matrix x (rows × features). A row goes left when float32(x) ≤ threshold, or when x is NaN and
 * the node's default is left: the comparison onnxruntime makes on a float input.
 */
export function addTreeScores(t: FlatTree, x: Float64Array, rows: number, scores: Float64Array, outputs: number): void {
  const { feature, threshold, defaultLeft, left, right, value } = t;
  for (let i = 0; i < rows; i++) {
    let node = 0;
    let f = feature[0];
    while (f >= 0) {
      const v = x[f * rows + i];
      const goLeft = v !== v ? defaultLeft[node] === 1 : Math.fround(v) <= threshold[node];
      node = goLeft ? left[node] : right[node];
      f = feature[node];
    }
    scores[i * outputs + t.classIndex] += value[node];
  }
}

const compiled = new WeakMap<GbdtModel, FlatTree[]>();

function flatTrees(model: GbdtModel): FlatTree[] {
  let trees = compiled.get(model);
  if (!trees) {
    trees = model.trees.map(flattenTree);
    compiled.set(model, trees);
  }
  return trees;
}

function checkInput(model: GbdtModel, x: Float64Array, rows: number, fn: string): void {
  if (!Number.isInteger(rows) || rows < 0) throw new Error(`${fn}: rows must be an integer ≥ 0, got ${rows}`);
  if (x.length !== rows * model.numFeatures) {
    throw new Error(`${fn}: x has ${x.length} values, expected ${rows} rows × ${model.numFeatures} features (column-major)`);
  }
}

/**
 * Raw scores, rows × outputs row-major (outputs = numClass for multiclass, else 1): base score plus
 * the first `bestIteration` rounds of trees. x is column-major (x[f·rows + i]), NaN = missing.
 */
export function predictGbdtRaw(model: GbdtModel, x: Float64Array, rows: number): Float64Array {
  checkInput(model, x, rows, 'predictGbdtRaw');
  const outputs = outputsOf(model.objective, model.numClass);
  const scores = new Float64Array(rows * outputs);
  for (let i = 0; i < rows; i++) for (let k = 0; k < outputs; k++) scores[i * outputs + k] = model.baseScores[k];
  const trees = flatTrees(model);
  const used = Math.min(trees.length, model.bestIteration * outputs);
  for (let t = 0; t < used; t++) addTreeScores(trees[t], x, rows, scores, outputs);
  return scores;
}

/** Class probabilities, rows × numClass row-major (binary: [1 − p, p]). */
export function predictGbdtProba(model: GbdtModel, x: Float64Array, rows: number): Float64Array {
  if (model.objective === 'regression') throw new Error('predictGbdtProba: the model is a regression model; use predictGbdtValue');
  const raw = predictGbdtRaw(model, x, rows);
  const k = model.numClass;
  const out = new Float64Array(rows * k);
  if (model.objective === 'binary') {
    for (let i = 0; i < rows; i++) {
      const p = sigmoid(raw[i]);
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
  } else {
    for (let i = 0; i < rows; i++) softmaxAt(raw, i * k, k, out, i * k);
  }
  return out;
}

/** Predicted values of a regression model, one per row. */
export function predictGbdtValue(model: GbdtModel, x: Float64Array, rows: number): Float64Array {
  if (model.objective !== 'regression') throw new Error(`predictGbdtValue: the model is a ${model.objective} classifier; use predictGbdtProba`);
  return predictGbdtRaw(model, x, rows);
}

/** Total split gain (or number of splits) per feature over the kept trees. */
export function featureImportance(model: GbdtModel, type: 'gain' | 'split' = 'gain'): Float64Array {
  const out = new Float64Array(model.numFeatures);
  const used = Math.min(model.trees.length, model.bestIteration * outputsOf(model.objective, model.numClass));
  for (let t = 0; t < used; t++) {
    for (const node of model.trees[t].nodes) if (node.kind === 'split') out[node.feature] += type === 'gain' ? node.gain : 1;
  }
  return out;
}

/** A row-major rows × features matrix (e.g. from preprocess.transform) in the column-major layout the GBDT takes. */
export function toColumnMajor(rowMajor: Float64Array, rows: number, features: number): Float64Array {
  if (rowMajor.length !== rows * features) throw new Error(`toColumnMajor: ${rowMajor.length} values, expected ${rows}×${features}`);
  const out = new Float64Array(rows * features);
  for (let i = 0; i < rows; i++) for (let f = 0; f < features; f++) out[f * rows + i] = rowMajor[i * features + f];
  return out;
}
