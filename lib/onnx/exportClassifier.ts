// Exports a TrainedClassifier as an ONNX graph over raw feature columns (imputation, scaling, one-hot, softmax model).

import type { TrainedClassifier } from '../train/classifier.js';
import { featureDim } from '../train/preprocess.js';
import { attr, encodeModel, TensorDataType, type NodeSpec, type TensorSpec, type ValueInfoSpec } from './model.js';

import { CLASSIFIER_OUTPUTS } from './contract.js';
import { oneHotBlock } from './oneHot.js';

/** Names of the exported graph's outputs. */
export const ONNX_OUTPUTS = CLASSIFIER_OUTPUTS;

/** Operator-set versions the exported graph imports. */
export const ONNX_OPSETS = { onnx: 17, ml: 3 } as const;

const ML = 'ai.onnx.ml';
const INTERNAL = '__mlcycle_';

/**
 * Builds the ONNX model. Inputs: one per feature column, named as the column, shape [N, 1]:
 * float for numeric features (NaN = missing), string for categorical ones ("" = missing).
 * Outputs: `label` (string [N]) and `probabilities` (float [N, classes], in model.classes order).
 *
 * Graph: numeric inputs → Concat → Imputer (NaN → training mean) → Scaler ((x − mean) / std);
 * each categorical input → lib/onnx/oneHot.ts (one-hot block, plus an unknown column when the preprocessor has one);
 * blocks → Concat (preprocessor order) → LinearClassifier (post_transform SOFTMAX).
 */
export function exportClassifierToOnnx(model: TrainedClassifier): Uint8Array {
  const pre = model.preprocessor;
  const dim = featureDim(pre);
  const k = model.classes.length;
  if (dim === 0) throw new Error('exportClassifierToOnnx: the model has no features');
  if (model.weights.length !== k * dim || model.bias.length !== k) {
    throw new Error(`exportClassifierToOnnx: weights ${model.weights.length} / bias ${model.bias.length} do not fit ${k} classes × ${dim} features`);
  }
  const names = [...pre.numeric.map((f) => f.name), ...pre.categorical.map((c) => c.name)];
  const reserved = new Set<string>([ONNX_OUTPUTS.label, ONNX_OUTPUTS.probabilities]);
  for (const name of names) {
    if (reserved.has(name) || name.startsWith(INTERNAL) || name === '') {
      throw new Error(`exportClassifierToOnnx: feature name "${name}" clashes with a graph name (duplicate, reserved or empty)`);
    }
    reserved.add(name);
  }

  const inputs: ValueInfoSpec[] = [];
  const nodes: NodeSpec[] = [];
  const initializers: TensorSpec[] = [];
  const blocks: string[] = [];

  if (pre.numeric.length > 0) {
    for (const f of pre.numeric) inputs.push({ name: f.name, elemType: TensorDataType.FLOAT, dims: ['N', 1] });
    const means = pre.numeric.map((f) => f.mean);
    nodes.push(
      { opType: 'Concat', name: `${INTERNAL}concat_numeric`, inputs: pre.numeric.map((f) => f.name), outputs: [`${INTERNAL}numeric_raw`], attributes: { axis: attr.int(1) } },
      {
        opType: 'Imputer', domain: ML, name: `${INTERNAL}impute`, inputs: [`${INTERNAL}numeric_raw`], outputs: [`${INTERNAL}numeric_imputed`],
        attributes: { imputed_value_floats: attr.floats(means), replaced_value_float: attr.float(NaN) },
      },
      {
        opType: 'Scaler', domain: ML, name: `${INTERNAL}scale`, inputs: [`${INTERNAL}numeric_imputed`], outputs: [`${INTERNAL}numeric_scaled`],
        attributes: { offset: attr.floats(means), scale: attr.floats(pre.numeric.map((f) => 1 / f.std)) },
      },
    );
    blocks.push(`${INTERNAL}numeric_scaled`);
  }

  pre.categorical.forEach((c, i) => {
    inputs.push({ name: c.name, elemType: TensorDataType.STRING, dims: ['N', 1] });
    // A column with no training categories (and no unknown column) contributes no features; its input stays declared.
    const block = oneHotBlock(c.name, c.categories, { prefix: `${INTERNAL}cat${i}_`, unknown: pre.unknownBucket === true, elemType: TensorDataType.FLOAT });
    nodes.push(...block.nodes);
    initializers.push(...block.initializers);
    if (block.output) blocks.push(block.output);
  });

  const features = `${INTERNAL}features`;
  nodes.push(
    { opType: 'Concat', name: `${INTERNAL}concat_features`, inputs: blocks, outputs: [features], attributes: { axis: attr.int(1) } },
    {
      opType: 'LinearClassifier', domain: ML, name: `${INTERNAL}linear`, inputs: [features],
      outputs: [ONNX_OUTPUTS.label, ONNX_OUTPUTS.probabilities],
      attributes: {
        coefficients: attr.floats(model.weights),
        intercepts: attr.floats(model.bias),
        classlabels_strings: attr.strings(model.classes),
        multi_class: attr.int(0),
        post_transform: attr.string('SOFTMAX'),
      },
    },
  );

  return encodeModel({
    irVersion: 8,
    opsets: [{ domain: '', version: ONNX_OPSETS.onnx }, { domain: ML, version: ONNX_OPSETS.ml }],
    producerName: 'mlcycle',
    producerVersion: '0.1.0',
    docString: `logistic regression classifier for "${model.target}"`,
    metadata: {
      target: model.target,
      classes: JSON.stringify(model.classes),
      features: JSON.stringify(model.features),
    },
    graph: {
      name: 'mlcycle_classifier',
      nodes,
      inputs,
      outputs: [
        { name: ONNX_OUTPUTS.label, elemType: TensorDataType.STRING, dims: ['N'] },
        { name: ONNX_OUTPUTS.probabilities, elemType: TensorDataType.FLOAT, dims: ['N', k] },
      ],
      initializers,
    },
  });
}
