// Histogram-based gradient-boosted trees: the public API (train, predict, types).

export { trainGbdt } from './boost.js';
export { featureImportance, predictGbdtProba, predictGbdtRaw, predictGbdtValue, toColumnMajor } from './predict.js';
export { FLOAT32_MAX } from './binning.js';
export type {
  GbdtGrowth, GbdtLeafNode, GbdtMatrix, GbdtModel, GbdtNode, GbdtObjective, GbdtOptions, GbdtParams, GbdtSplitNode, GbdtTree, GbdtValidation,
} from './types.js';
