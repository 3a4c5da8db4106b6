// The GBDT bench's tasks: a data set split into train and test, column-major, with the settings both trainers use.
import type { GbdtObjective, GbdtOptions } from '../lib/train/gbdt/index.js';
import { trainTestSplit } from '../lib/train/cv.js';

export type Settings = Required<Pick<GbdtOptions, 'nEstimators' | 'learningRate' | 'maxDepth' | 'maxLeaves' | 'maxBins' | 'minChildWeight' | 'minSamplesLeaf' | 'lambda' | 'minSplitGain'>>;

export interface Task {
  name: string;
  objective: GbdtObjective;
  /** 1 for regression. */
  numClass: number;
  features: number;
  /** Class labels (Int32Array) for classification, targets (Float64Array) for regression. */
  xTrain: Float64Array; yTrain: Int32Array | Float64Array; trainRows: number;
  xTest: Float64Array; yTest: Int32Array | Float64Array; testRows: number;
  settings: Settings;
  peers: string[];
}

export function take(x: Float64Array, n: number, features: number, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length * features);
  for (let f = 0; f < features; f++) for (let k = 0; k < idx.length; k++) out[f * idx.length + k] = x[f * n + idx[k]];
  return out;
}

/** Classification (numClass ≥ 2, Int32Array labels; stratified split) or regression (numClass 1, Float64Array targets; plain random split). */
export function splitTask(name: string, x: Float64Array, y: Int32Array | Float64Array, features: number, numClass: number, testFraction: number, settings: Settings): Task {
  const n = y.length;
  const regression = numClass === 1;
  const s = trainTestSplit(regression ? new Int32Array(n) : y, testFraction, 7);
  const pick = (idx: Int32Array) => (regression ? Float64Array.from(idx, (i) => y[i]) : Int32Array.from(idx, (i) => y[i]));
  return {
    name: regression ? `${name}-reg` : name, objective: regression ? 'regression' : numClass === 2 ? 'binary' : 'multiclass', numClass, features,
    xTrain: take(x, n, features, s.train), yTrain: pick(s.train), trainRows: s.train.length,
    xTest: take(x, n, features, s.test), yTest: pick(s.test), testRows: s.test.length,
    settings, peers: ['lightgbm', 'sklearn'],
  };
}
