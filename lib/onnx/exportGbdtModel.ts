// Exports a TrainedGbdt as one ONNX graph over raw feature columns: ordinal encoding (LabelEncoder) spliced before the tree ensemble.

import type { TrainedGbdt } from '../train/model.js';
import { CLASSIFIER_OUTPUTS, REGRESSOR_OUTPUT } from './contract.js';
import { gbdtGraphPieces } from './exportTrees.js';
import { attr, encodeModel, TensorDataType, type NodeSpec, type ValueInfoSpec } from './model.js';

const ML = 'ai.onnx.ml';

/** Prefix of every internal tensor and node name (the logistic-regression exporter uses the same one). */
export const INTERNAL_PREFIX = '__mlcycle_';

/**
 * Throws a clear error when a feature name is empty, repeated, starts with the internal prefix or
 * equals one of `outputs`: every input must be addressable by its column name alone.
 */
export function assertInputNames(exporter: string, names: readonly string[], outputs: readonly string[]): void {
  const taken = new Set<string>(outputs);
  for (const name of names) {
    if (name === '') throw new Error(`${exporter}: a feature has an empty name; ONNX inputs are named after their columns`);
    if (name.startsWith(INTERNAL_PREFIX)) throw new Error(`${exporter}: feature name "${name}" starts with "${INTERNAL_PREFIX}", which is reserved for the graph's internal names`);
    if (outputs.includes(name)) throw new Error(`${exporter}: feature name "${name}" clashes with the output "${name}"; rename the column`);
    if (taken.has(name)) throw new Error(`${exporter}: feature "${name}" is listed twice`);
    taken.add(name);
  }
}

/**
 * Builds the ONNX model. Inputs: one per feature column, named as the column, shape [N, 1]: float
 * for numeric features (NaN = missing), string for categorical ones ("" = missing); numeric first.
 * Outputs: classifiers `label` (string [N]) and `probabilities` (float [N, classes], model.classes
 * order); regressors `prediction` (float [N, 1]).
 *
 * Graph: numeric inputs pass through raw (NaN follows each split's learned default direction);
 * each categorical input → LabelEncoder (category → its code 0…k−1; unseen or "" → NaN, as
 * transformOrdinal does) → Concat in the encoding's order → Cast to double → TreeEnsemble.
 * LabelEncoder is the ai.onnx.ml v2 form (keys_strings / values_floats / default_float) that the
 * ensemble's ml opset 3 resolves to; at opset 3 it also accepts an empty key list (all NaN).
 */
export function exportGbdtModelToOnnx(model: TrainedGbdt): Uint8Array {
  const exporter = 'exportGbdtModelToOnnx';
  const enc = model.encoding;
  const names = [...enc.numeric, ...enc.categorical.map((c) => c.name)];
  if (names.length === 0) throw new Error(`${exporter}: the model has no features`);
  if (names.length !== model.booster.numFeatures) {
    throw new Error(`${exporter}: the encoding has ${names.length} columns but the booster reads ${model.booster.numFeatures}`);
  }
  const classification = model.task === 'classification';
  if (classification && model.classes.length !== model.booster.numClass) {
    throw new Error(`${exporter}: ${model.classes.length} classes but the booster scores ${model.booster.numClass}`);
  }
  const outputNames = classification ? [CLASSIFIER_OUTPUTS.label, CLASSIFIER_OUTPUTS.probabilities] : [REGRESSOR_OUTPUT];
  assertInputNames(exporter, names, outputNames);

  const inputs: ValueInfoSpec[] = [];
  const nodes: NodeSpec[] = [];
  const columns: string[] = [];
  for (const name of enc.numeric) {
    inputs.push({ name, elemType: TensorDataType.FLOAT, dims: ['N', 1] });
    columns.push(name);
  }
  enc.categorical.forEach((c, i) => {
    inputs.push({ name: c.name, elemType: TensorDataType.STRING, dims: ['N', 1] });
    const code = `${INTERNAL_PREFIX}code_${i}`;
    nodes.push({
      opType: 'LabelEncoder', domain: ML, name: `${INTERNAL_PREFIX}encode_${i}`, inputs: [c.name], outputs: [code],
      attributes: {
        keys_strings: attr.strings(c.categories),
        values_floats: attr.floats(c.categories.map((_, k) => k)),
        default_float: attr.float(NaN),
      },
    });
    columns.push(code);
  });

  const features = `${INTERNAL_PREFIX}features`;
  nodes.push({ opType: 'Concat', name: `${INTERNAL_PREFIX}concat_features`, inputs: columns, outputs: [features], attributes: { axis: attr.int(1) } });
  const pieces = gbdtGraphPieces(model.booster, {
    input: features,
    outputs: classification ? { ...CLASSIFIER_OUTPUTS } : { value: REGRESSOR_OUTPUT },
    classLabels: classification ? model.classes : undefined,
    prefix: `${INTERNAL_PREFIX}gbdt_`,
  });
  nodes.push(...pieces.nodes);

  return encodeModel({
    irVersion: 8,
    opsets: pieces.opsets,
    producerName: 'mlcycle',
    producerVersion: '0.1.0',
    docString: `gradient-boosted trees (${model.booster.objective}, ${model.booster.bestIteration} rounds) for "${model.target}"`,
    metadata: {
      target: model.target,
      task: model.task,
      classes: JSON.stringify(model.classes),
      features: JSON.stringify(model.features),
    },
    graph: { name: 'mlcycle_gbdt', nodes, inputs, outputs: pieces.outputs, initializers: pieces.initializers },
  });
}
