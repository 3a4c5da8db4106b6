// Options, model shape (plain JSON) and option defaults/validation for the histogram gradient-boosted trees.

export type GbdtObjective = 'regression' | 'binary' | 'multiclass';
/** `leafwise` splits the leaf with the largest gain next (LightGBM); `depthwise` splits level by level. */
export type GbdtGrowth = 'leafwise' | 'depthwise';

/**
 * A numeric feature matrix in column-major order: value of feature f for row i is `x[f * rows + i]`.
 * NaN marks a missing value. Categorical features arrive as ordinal codes chosen by the caller.
 */
export interface GbdtMatrix {
  x: Float64Array;
  rows: number;
}

export interface GbdtValidation extends GbdtMatrix {
  y: Float64Array | Int32Array;
}

export interface GbdtOptions {
  objective: GbdtObjective;
  /** Classes for `multiclass` (labels 0..numClass−1); default max(y)+1. Ignored otherwise. */
  numClass?: number;
  /** Boosting rounds (one tree per round, or one per class and round for multiclass). Default 100. */
  nEstimators?: number;
  /** Shrinkage applied to every leaf value. Default 0.1. */
  learningRate?: number;
  /** Maximum depth (root = depth 0); ≤ 0 means no limit. Default 6. */
  maxDepth?: number;
  /** Maximum leaves per tree. Default 31. */
  maxLeaves?: number;
  /** Value bins per feature, 2..255 (a further bin holds missing values). Default 255. */
  maxBins?: number;
  /** Minimum hessian sum in each child. Default 1e-3. */
  minChildWeight?: number;
  /** Minimum rows in each child. Default 20. */
  minSamplesLeaf?: number;
  /** L2 penalty on leaf values. Default 0. */
  lambda?: number;
  /** A split must reduce the loss by more than this (gain = GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ)). Default 0. */
  minSplitGain?: number;
  /** Fraction of rows drawn (Bernoulli, without replacement) for each tree. Default 1. */
  subsample?: number;
  /** Fraction of features drawn for each tree. Default 1. */
  colsampleBytree?: number;
  /** Default `leafwise`. */
  growth?: GbdtGrowth;
  /** Stop when the validation loss has not improved for this many rounds; keep the best round. */
  earlyStoppingRounds?: number;
  /** Validation rows for early stopping; else `validationFraction` of the training rows is held out. */
  validation?: GbdtValidation;
  /** Held-out fraction (stratified for classification) when early stopping has no `validation`. Default 0.1. */
  validationFraction?: number;
  /** Rows sampled to choose bin edges. Default 200,000. */
  binSampleRows?: number;
  /** Seed of every random choice (bin sample, row and feature subsampling, validation split). Default 0. */
  seed?: number;
  /** Called after every round (e.g. to heartbeat); validationLoss when early stopping runs. */
  onIteration?: (info: { iteration: number; validationLoss?: number }) => void;
}

/** An inner node: rows with float32(x[feature]) ≤ threshold go left; missing (NaN) goes left iff defaultLeft. */
export interface GbdtSplitNode {
  kind: 'split';
  feature: number;
  /** A float32-exact raw feature value (not a bin index). */
  threshold: number;
  defaultLeft: boolean;
  left: number;
  right: number;
  /** Loss reduction of the split (for importances). */
  gain: number;
  /** Training rows that reached the node. */
  count: number;
}

export interface GbdtLeafNode {
  kind: 'leaf';
  /** Added to the raw score (already multiplied by the learning rate; float32-exact). */
  value: number;
  count: number;
}

export type GbdtNode = GbdtSplitNode | GbdtLeafNode;

export interface GbdtTree {
  /** Whose raw score the tree adds to: the class index for multiclass, else 0. */
  classIndex: number;
  /** nodes[0] is the root. */
  nodes: GbdtNode[];
}

/** A trained model; plain JSON (JSON.parse(JSON.stringify(m)) predicts the same). */
export interface GbdtModel {
  kind: 'gbdt';
  objective: GbdtObjective;
  /** 1 for regression, 2 for binary, K for multiclass. */
  numClass: number;
  numFeatures: number;
  /** One raw-score start per output: 1 value for regression and binary, numClass for multiclass (float32-exact). */
  baseScores: number[];
  /** Rounds kept for prediction (early stopping keeps the best; otherwise all trained rounds). */
  bestIteration: number;
  /** Rounds trained. */
  iterations: number;
  /** Round-major: trees[round * outputs + k]. */
  trees: GbdtTree[];
  /** Validation loss after each round, when validation data was given or held out. */
  validationLoss?: number[];
  /** The options used, defaults filled in (validation data left out). */
  params: GbdtParams;
}

/** Resolved hyperparameters. */
export interface GbdtParams {
  objective: GbdtObjective;
  nEstimators: number;
  learningRate: number;
  maxDepth: number;
  maxLeaves: number;
  maxBins: number;
  minChildWeight: number;
  minSamplesLeaf: number;
  lambda: number;
  minSplitGain: number;
  subsample: number;
  colsampleBytree: number;
  growth: GbdtGrowth;
  earlyStoppingRounds: number | null;
  validationFraction: number;
  binSampleRows: number;
  seed: number;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`trainGbdt: ${message}`);
}

/** Fills defaults and rejects out-of-range values with a clear message. */
export function resolveParams(o: GbdtOptions): GbdtParams {
  const p: GbdtParams = {
    objective: o.objective,
    nEstimators: o.nEstimators ?? 100,
    learningRate: o.learningRate ?? 0.1,
    maxDepth: o.maxDepth ?? 6,
    maxLeaves: o.maxLeaves ?? 31,
    maxBins: o.maxBins ?? 255,
    minChildWeight: o.minChildWeight ?? 1e-3,
    minSamplesLeaf: o.minSamplesLeaf ?? 20,
    lambda: o.lambda ?? 0,
    minSplitGain: o.minSplitGain ?? 0,
    subsample: o.subsample ?? 1,
    colsampleBytree: o.colsampleBytree ?? 1,
    growth: o.growth ?? 'leafwise',
    earlyStoppingRounds: o.earlyStoppingRounds ?? null,
    validationFraction: o.validationFraction ?? 0.1,
    binSampleRows: o.binSampleRows ?? 200_000,
    seed: o.seed ?? 0,
  };
  check(['regression', 'binary', 'multiclass'].includes(p.objective), `unknown objective "${String(p.objective)}"`);
  check(Number.isInteger(p.nEstimators) && p.nEstimators >= 1, `nEstimators must be an integer ≥ 1, got ${p.nEstimators}`);
  check(p.learningRate > 0 && Number.isFinite(p.learningRate), `learningRate must be > 0, got ${p.learningRate}`);
  check(Number.isInteger(p.maxDepth), `maxDepth must be an integer, got ${p.maxDepth}`);
  check(Number.isInteger(p.maxLeaves) && p.maxLeaves >= 2, `maxLeaves must be an integer ≥ 2, got ${p.maxLeaves}`);
  check(Number.isInteger(p.maxBins) && p.maxBins >= 2 && p.maxBins <= 255, `maxBins must be an integer in [2, 255], got ${p.maxBins}`);
  check(p.minChildWeight >= 0, `minChildWeight must be ≥ 0, got ${p.minChildWeight}`);
  check(Number.isInteger(p.minSamplesLeaf) && p.minSamplesLeaf >= 1, `minSamplesLeaf must be an integer ≥ 1, got ${p.minSamplesLeaf}`);
  check(p.lambda >= 0, `lambda must be ≥ 0, got ${p.lambda}`);
  check(p.minSplitGain >= 0, `minSplitGain must be ≥ 0, got ${p.minSplitGain}`);
  check(p.subsample > 0 && p.subsample <= 1, `subsample must be in (0, 1], got ${p.subsample}`);
  check(p.colsampleBytree > 0 && p.colsampleBytree <= 1, `colsampleBytree must be in (0, 1], got ${p.colsampleBytree}`);
  check(p.growth === 'leafwise' || p.growth === 'depthwise', `growth must be "leafwise" or "depthwise", got "${String(p.growth)}"`);
  check(p.earlyStoppingRounds === null || (Number.isInteger(p.earlyStoppingRounds) && p.earlyStoppingRounds >= 1),
    `earlyStoppingRounds must be an integer ≥ 1, got ${p.earlyStoppingRounds}`);
  check(p.validationFraction > 0 && p.validationFraction < 1, `validationFraction must be in (0, 1), got ${p.validationFraction}`);
  check(Number.isInteger(p.binSampleRows) && p.binSampleRows >= 2, `binSampleRows must be an integer ≥ 2, got ${p.binSampleRows}`);
  check(Number.isInteger(p.seed), `seed must be an integer, got ${p.seed}`);
  return p;
}

/** Raw-score outputs per row: numClass for multiclass, else 1. */
export function outputsOf(objective: GbdtObjective, numClass: number): number {
  return objective === 'multiclass' ? numClass : 1;
}
