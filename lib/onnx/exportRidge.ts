// Exports a TrainedRidge as one ONNX graph over raw feature columns, computing in double (imputation, scaling, one-hot, X·w + b).

import type { TrainedRidge } from '../train/model.js';
import { featureDim } from '../train/preprocess.js';
import { REGRESSOR_OUTPUT } from './contract.js';
import { assertInputNames, INTERNAL_PREFIX } from './exportGbdtModel.js';
import { oneHotBlock } from './oneHot.js';
import { attr, encodeModel, TensorDataType, type NodeSpec, type TensorSpec, type ValueInfoSpec } from './model.js';

const ML = 'ai.onnx.ml';
const P = INTERNAL_PREFIX;

/** Operator-set versions the exported graph imports. */
export const RIDGE_OPSETS = { onnx: 17, ml: 3 } as const;

/**
 * Builds the ONNX model. Inputs: one per feature column, named as the column, shape [N, 1]: float
 * for numeric features (NaN = missing), string for categorical ones ("" = missing); numeric first.
 * Output: `prediction` (float [N, 1]).
 *
 * Graph (double from the Cast on): numeric inputs → Concat → Cast → Where(IsNaN, mean, x) →
 * Sub mean → Div std; each categorical input → lib/onnx/oneHot.ts (one-hot block in double, plus an
 * unknown column when the preprocessor has one); blocks → Concat (preprocessor order) → MatMul w →
 * Add b → Cast to float.
 */
export function exportRidgeToOnnx(model: TrainedRidge): Uint8Array {
  const exporter = 'exportRidgeToOnnx';
  const pre = model.preprocessor;
  const dim = featureDim(pre);
  if (dim === 0) throw new Error(`${exporter}: the model has no features (no numeric feature and no training categories)`);
  if (model.weights.length !== dim) throw new Error(`${exporter}: ${model.weights.length} weights for ${dim} features`);
  assertInputNames(exporter, [...pre.numeric.map((f) => f.name), ...pre.categorical.map((c) => c.name)], [REGRESSOR_OUTPUT]);

  const inputs: ValueInfoSpec[] = [];
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  const blocks: string[] = [];
  const addConstant = (name: string, values: readonly number[], dims: number[]): void => {
    initializers.push({ name, dataType: TensorDataType.DOUBLE, dims, floats: values });
  };
  const cast = (name: string, input: string, output: string, to: number): NodeSpec => ({ opType: 'Cast', name, inputs: [input], outputs: [output], attributes: { to: attr.int(to) } });

  if (pre.numeric.length > 0) {
    const m = pre.numeric.length;
    for (const f of pre.numeric) inputs.push({ name: f.name, elemType: TensorDataType.FLOAT, dims: ['N', 1] });
    addConstant(`${P}mean`, pre.numeric.map((f) => f.mean), [1, m]);
    addConstant(`${P}std`, pre.numeric.map((f) => f.std), [1, m]);
    nodes.push(
      { opType: 'Concat', name: `${P}concat_numeric`, inputs: pre.numeric.map((f) => f.name), outputs: [`${P}numeric_f32`], attributes: { axis: attr.int(1) } },
      cast(`${P}cast_numeric`, `${P}numeric_f32`, `${P}numeric_raw`, TensorDataType.DOUBLE),
      { opType: 'IsNaN', name: `${P}is_missing`, inputs: [`${P}numeric_raw`], outputs: [`${P}numeric_missing`] },
      { opType: 'Where', name: `${P}impute`, inputs: [`${P}numeric_missing`, `${P}mean`, `${P}numeric_raw`], outputs: [`${P}numeric_imputed`] },
      { opType: 'Sub', name: `${P}center`, inputs: [`${P}numeric_imputed`, `${P}mean`], outputs: [`${P}numeric_centered`] },
      { opType: 'Div', name: `${P}scale`, inputs: [`${P}numeric_centered`, `${P}std`], outputs: [`${P}numeric_scaled`] },
    );
    blocks.push(`${P}numeric_scaled`);
  }

  pre.categorical.forEach((c, i) => {
    inputs.push({ name: c.name, elemType: TensorDataType.STRING, dims: ['N', 1] });
    // A column with no training categories (and no unknown column) contributes no features; its input stays declared.
    const block = oneHotBlock(c.name, c.categories, { prefix: `${P}cat${i}_`, unknown: pre.unknownBucket === true, elemType: TensorDataType.DOUBLE });
    nodes.push(...block.nodes);
    initializers.push(...block.initializers);
    if (block.output) blocks.push(block.output);
  });

  addConstant(`${P}weights`, model.weights, [dim, 1]);
  addConstant(`${P}bias`, [model.bias], [1]);
  nodes.push(
    { opType: 'Concat', name: `${P}concat_features`, inputs: blocks, outputs: [`${P}features`], attributes: { axis: attr.int(1) } },
    { opType: 'MatMul', name: `${P}matmul`, inputs: [`${P}features`, `${P}weights`], outputs: [`${P}linear`] },
    { opType: 'Add', name: `${P}add_bias`, inputs: [`${P}linear`, `${P}bias`], outputs: [`${P}prediction_f64`] },
    cast(`${P}cast_prediction`, `${P}prediction_f64`, REGRESSOR_OUTPUT, TensorDataType.FLOAT),
  );

  return encodeModel({
    irVersion: 8,
    opsets: [{ domain: '', version: RIDGE_OPSETS.onnx }, { domain: ML, version: RIDGE_OPSETS.ml }],
    producerName: 'mlcycle',
    producerVersion: '0.1.0',
    docString: `ridge regression (alpha ${model.hyperparameters.alpha}) for "${model.target}"`,
    metadata: { target: model.target, task: model.task, features: JSON.stringify(model.features) },
    graph: {
      name: 'mlcycle_ridge',
      nodes,
      inputs,
      outputs: [{ name: REGRESSOR_OUTPUT, elemType: TensorDataType.FLOAT, dims: ['N', 1] }],
      initializers,
    },
  });
}
