// Every trainable model as plain JSON (logistic regression, GBDT, ridge), with one fit and one predict for all of them.
import { column, type Table } from '../data/table.js';
import { fitClassifier, predictProba, sortedClasses, targetValues, type TrainedClassifier } from './classifier.js';
import { predictGbdtProba, predictGbdtValue, trainGbdt, type GbdtModel, type GbdtOptions } from './gbdt/index.js';
import { fitOrdinal, fitPreprocessor, transform, transformOrdinal, type FeatureSpec, type OrdinalEncoding, type Preprocessor } from './preprocess.js';
import { predictRidge, trainRidge } from './ridge.js';
import { applyTransforms, derivedColumns, fitTransforms, pruneTransforms, type FittedTransforms } from '../transforms/fit.js';
import type { TransformDeclaration } from '../transforms/schema.js';

export type Task = 'classification' | 'regression';
export type Algorithm = 'logreg' | 'gbdt' | 'ridge';

/** Which algorithms can learn which task. */
export const ALGORITHM_TASKS: Record<Algorithm, Task[]> = { logreg: ['classification'], gbdt: ['classification', 'regression'], ridge: ['regression'] };

/** Gradient-boosted trees over ordinal-encoded features (numeric raw, categories as codes; NaN = missing or unseen). */
export interface TrainedGbdt {
  kind: 'gbdt';
  task: Task;
  target: string;
  /** Sorted distinct target values (classification); empty for regression. */
  classes: string[];
  features: FeatureSpec;
  encoding: OrdinalEncoding;
  booster: GbdtModel;
  hyperparameters: Record<string, number>;
}

/** Ridge regression over standardized numeric and one-hot categorical features (with an unknown column each). */
export interface TrainedRidge {
  kind: 'ridge';
  task: 'regression';
  target: string;
  classes: [];
  features: FeatureSpec;
  preprocessor: Preprocessor;
  weights: number[];
  bias: number;
  hyperparameters: { alpha: number };
}

/** Any model; `transforms`: the derived features it reads, learned on its training rows (lib/transforms). */
export type TrainedModel = (TrainedClassifier | TrainedGbdt | TrainedRidge) & { transforms?: FittedTransforms };

/** What to fit: the algorithm, its hyperparameters (by name), the features and the target. */
export interface ModelSpec {
  task: Task;
  target: string;
  features: FeatureSpec;
  algorithm: Algorithm;
  params: Record<string, number>;
  /** Seed for the algorithm's own random choices (GBDT subsampling, early-stopping split). */
  seed?: number;
  /** Called now and then during long fits (e.g. to heartbeat). */
  onProgress?: () => void;
  /** The definition's derived features: fitted on the same rows, then the model learns from the derived table. */
  transforms?: TransformDeclaration[];
}

/** Predictions: class probabilities (rows × classes, row-major) or one value per row. */
export type Predictions = { task: 'classification'; classes: string[]; proba: Float64Array } | { task: 'regression'; values: Float64Array };

export function taskOf(model: TrainedModel): Task {
  return model.kind === 'logreg' ? 'classification' : model.task;
}

/** The target as numbers (regression): numeric columns as they are, strings parsed; missing or unparseable → NaN. */
export function numericTarget(table: Table, target: string): Float64Array {
  const c = column(table, target);
  if (c.kind !== 'categorical') return c.values;
  return Float64Array.from(c.values, (v) => (v === null || v.trim() === '' ? NaN : Number(v)));
}

/** Integer hyperparameters of the GBDT (rounded when sampled from a range). */
export const GBDT_INTEGER_PARAMS = new Set(['nEstimators', 'maxDepth', 'maxLeaves', 'maxBins', 'minSamplesLeaf', 'earlyStoppingRounds']);
const GBDT_PARAMS = new Set([...GBDT_INTEGER_PARAMS, 'learningRate', 'minChildWeight', 'lambda', 'minSplitGain', 'subsample', 'colsampleBytree']);

function gbdtOptions(params: Record<string, number>): Partial<GbdtOptions> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(params)) {
    if (!GBDT_PARAMS.has(k)) throw new Error(`gbdt: unknown hyperparameter "${k}"`);
    out[k] = GBDT_INTEGER_PARAMS.has(k) ? Math.round(v) : v;
  }
  return out as Partial<GbdtOptions>;
}

function fitGbdt(table: Table, spec: ModelSpec): TrainedGbdt {
  const encoding = fitOrdinal(table, spec.features);
  const { x, rows, dim } = transformOrdinal(encoding, table);
  const base = { ...gbdtOptions(spec.params), seed: spec.seed ?? 0, onIteration: spec.onProgress ? () => spec.onProgress?.() : undefined };
  let classes: string[] = [];
  let booster: GbdtModel;
  if (spec.task === 'regression') {
    booster = trainGbdt(x, rows, dim, numericTarget(table, spec.target), { ...base, objective: 'regression' });
  } else {
    const labels = targetValues(table, spec.target);
    classes = sortedClasses(labels);
    if (classes.length < 2) throw new Error(`gbdt: target "${spec.target}" has ${classes.length} distinct value(s); need at least 2`);
    const index = new Map(classes.map((c, k) => [c, k]));
    const y = Int32Array.from(labels, (v) => index.get(v as string) as number);
    const objective = classes.length === 2 ? 'binary' : 'multiclass';
    booster = trainGbdt(x, rows, dim, y, { ...base, objective, numClass: classes.length });
  }
  return {
    kind: 'gbdt', task: spec.task, target: spec.target, classes, features: copyFeatures(spec.features), encoding, booster,
    hyperparameters: { ...spec.params },
  };
}

function fitRidgeModel(table: Table, spec: ModelSpec): TrainedRidge {
  const alpha = spec.params.alpha ?? 1;
  const preprocessor = fitPreprocessor(table, spec.features, { unknownBucket: true });
  const { x, dim } = transform(preprocessor, table);
  const fit = trainRidge(x, table.rows, dim, numericTarget(table, spec.target), { alpha });
  return {
    kind: 'ridge', task: 'regression', target: spec.target, classes: [], features: copyFeatures(spec.features), preprocessor,
    weights: Array.from(fit.weights), bias: fit.bias, hyperparameters: { alpha },
  };
}

function copyFeatures(f: FeatureSpec): FeatureSpec {
  return { numeric: [...f.numeric], categorical: [...f.categorical] };
}

/**
 * Fits a model on rows whose target is present (callers pass labelled rows: see lib/train/evaluate.ts).
 * Throws a clear error for an algorithm that cannot learn the task.
 */
export function fitModel(table: Table, spec: ModelSpec): TrainedModel {
  if (spec.transforms?.length) {
    const fitted = fitTransforms(spec.transforms, table);
    // A one-hot vocabulary named as a feature stands for its columns (name_0 … name_oov).
    const columnsOf = new Map(fitted.transforms.filter((t) => !t.outputs.some((o) => o.name === t.decl.name)).map((t) => [t.decl.name, t.outputs.map((o) => o.name)]));
    const expand = (names: string[]): string[] => names.flatMap((n) => columnsOf.get(n) ?? [n]);
    const features = { numeric: expand(spec.features.numeric), categorical: expand(spec.features.categorical) };
    const types = new Map(derivedColumns(fitted).map((c) => [c.name, c.type]));
    for (const name of features.categorical.filter((f) => types.get(f) === 'number')) {
      throw new Error(`derived feature "${name}" is a number: list it under features.numeric`);
    }
    for (const name of features.numeric.filter((f) => types.get(f) === 'string')) {
      throw new Error(`derived feature "${name}" is a string: list it under features.categorical`);
    }
    const model = fitModel(applyTransforms(fitted, table), { ...spec, features, transforms: undefined });
    return { ...model, transforms: pruneTransforms(fitted, [...features.numeric, ...features.categorical]) };
  }
  if (!ALGORITHM_TASKS[spec.algorithm]?.includes(spec.task)) throw new Error(`algorithm "${spec.algorithm}" cannot learn a ${spec.task} task`);
  if (spec.algorithm === 'logreg') {
    const l2 = spec.params.l2;
    if (l2 === undefined) throw new Error('logreg: hyperparameter "l2" is required');
    return fitClassifier(table, { target: spec.target, features: spec.features, l2, unknownBucket: true });
  }
  return spec.algorithm === 'gbdt' ? fitGbdt(table, spec) : fitRidgeModel(table, spec);
}

/** Predictions for every row of `table` (missing features handled as the model learned to). */
export function predictModel(model: TrainedModel, raw: Table): Predictions {
  const table = model.transforms ? applyTransforms(model.transforms, raw) : raw;
  if (model.kind === 'logreg') {
    return { task: 'classification', classes: model.classes, proba: predictProba(model, table) };
  }
  if (model.kind === 'ridge') {
    const { x, dim } = transform(model.preprocessor, table);
    return { task: 'regression', values: predictRidge(x, table.rows, dim, model) };
  }
  const { x, rows } = transformOrdinal(model.encoding, table);
  if (model.task === 'regression') return { task: 'regression', values: predictGbdtValue(model.booster, x, rows) };
  return { task: 'classification', classes: model.classes, proba: predictGbdtProba(model.booster, x, rows) };
}

/** A one-line description of the model for cards and logs. */
export function describeAlgorithm(model: TrainedModel): string {
  if (model.kind === 'logreg') return 'multinomial logistic regression (L2, L-BFGS) with standardization and one-hot encoding';
  if (model.kind === 'ridge') return 'ridge regression (exact, Cholesky) with standardization and one-hot encoding';
  const b = model.booster;
  return `histogram gradient-boosted trees (${b.objective}, ${b.bestIteration} rounds) over ordinal-encoded features`;
}

/** Every hyperparameter the model was fitted with (GBDT: defaults filled in, and the rounds kept), for the model card. */
export function fittedHyperparameters(model: TrainedModel): Record<string, number | string> {
  if (model.kind !== 'gbdt') return { ...model.hyperparameters };
  const out: Record<string, number | string> = { roundsKept: model.booster.bestIteration };
  for (const [k, v] of Object.entries(model.booster.params)) if (typeof v === 'number' || typeof v === 'string') out[k] = v;
  return out;
}
