// Exports a GbdtModel as ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier (ml opset 3), as graph pieces or a whole model.
//
// Parity details:
// - The float [N, F] input is Cast to double before the ensemble, so onnxruntime sums leaf values in
//   double (as the trainer does); comparisons are unchanged because every threshold is a float32 value
//   and double(float32 x) ≤ double(float32 t) exactly when x ≤ t.
// - Nodes are BRANCH_LEQ ("x ≤ threshold" is the true branch = the trainer's left child) and
//   nodes_missing_value_tracks_true sends NaN to the learned default side.
// - Binary models use one score (class id 0) with post_transform LOGISTIC. When every class weight
//   is ≥ 0, onnxruntime (1.30) picks the label by comparing the raw score with 0.5 instead of 0, so
//   such a model gets an extra one-leaf tree of weight −1.4e-45 (the smallest float32 in magnitude),
//   which changes no score.

import type { GbdtModel } from '../train/gbdt/types.js';
import { attr, encodeModel, TensorDataType, type NodeSpec, type OpsetSpec, type TensorSpec, type ValueInfoSpec } from './model.js';

const ML = 'ai.onnx.ml';
const TINY_NEGATIVE = -1.401298464324817e-45;

export interface TreeGraphOptions {
  /** The float [N, numFeatures] tensor the ensemble reads. Default "features". */
  input?: string;
  /** Output names. Defaults: "label" and "probabilities" (classifiers), "value" (regression). */
  outputs?: { label?: string; probabilities?: string; value?: string };
  /** Prefix of internal tensor and node names. Default "gbdt_". */
  prefix?: string;
  /** Class labels for the label output (index k ↔ class k); default the int64 ids 0..numClass−1. */
  classLabels?: string[];
}

/** Nodes and declarations to splice into a graph whose earlier nodes produce `input`. */
export interface TreeGraphPieces {
  /** The tensor the first node reads: declare it as a graph input, or produce it upstream. */
  input: ValueInfoSpec;
  nodes: NodeSpec[];
  initializers: TensorSpec[];
  outputs: ValueInfoSpec[];
  opsets: OpsetSpec[];
}

/** Operator-set versions the pieces need. */
export const TREE_OPSETS: OpsetSpec[] = [{ domain: '', version: 17 }, { domain: ML, version: 3 }];

interface EnsembleAttributes {
  nodes: Record<string, number[] | string[]>;
  leaves: { tree: number[]; node: number[]; id: number[]; weight: number[] };
}

function ensembleAttributes(model: GbdtModel): EnsembleAttributes {
  const used = model.trees.slice(0, model.bestIteration * (model.objective === 'multiclass' ? model.numClass : 1));
  const n = { treeids: [] as number[], nodeids: [] as number[], featureids: [] as number[], modes: [] as string[], values: [] as number[],
    truenodeids: [] as number[], falsenodeids: [] as number[], missing: [] as number[] };
  const leaves = { tree: [] as number[], node: [] as number[], id: [] as number[], weight: [] as number[] };
  const push = (t: number, i: number, feature: number, mode: string, value: number, yes: number, no: number, missing: number) => {
    n.treeids.push(t);
    n.nodeids.push(i);
    n.featureids.push(feature);
    n.modes.push(mode);
    n.values.push(value);
    n.truenodeids.push(yes);
    n.falsenodeids.push(no);
    n.missing.push(missing);
  };
  used.forEach((tree, t) => {
    tree.nodes.forEach((node, i) => {
      if (node.kind === 'split') {
        if (Math.fround(node.threshold) !== node.threshold) throw new Error(`exportTrees: tree ${t} node ${i} threshold ${node.threshold} is not a float32 value`);
        push(t, i, node.feature, 'BRANCH_LEQ', node.threshold, node.left, node.right, node.defaultLeft ? 1 : 0);
      } else {
        push(t, i, 0, 'LEAF', 0, 0, 0, 0);
        leaves.tree.push(t);
        leaves.node.push(i);
        leaves.id.push(model.objective === 'multiclass' ? tree.classIndex : 0);
        leaves.weight.push(node.value);
      }
    });
  });
  const allPositive = model.objective === 'binary' && leaves.weight.every((w) => Math.fround(w) >= 0);
  if (allPositive || used.length === 0) {
    const t = used.length;
    push(t, 0, 0, 'LEAF', 0, 0, 0, 0);
    leaves.tree.push(t);
    leaves.node.push(0);
    leaves.id.push(0);
    leaves.weight.push(allPositive ? TINY_NEGATIVE : 0);
  }
  const nodes = {
    nodes_treeids: n.treeids, nodes_nodeids: n.nodeids, nodes_featureids: n.featureids, nodes_modes: n.modes, nodes_values: n.values,
    nodes_truenodeids: n.truenodeids, nodes_falsenodeids: n.falsenodeids, nodes_missing_value_tracks_true: n.missing,
  };
  return { nodes, leaves };
}

/** The ensemble as graph pieces: Cast(input → double) → TreeEnsembleRegressor / TreeEnsembleClassifier. */
export function gbdtGraphPieces(model: GbdtModel, options: TreeGraphOptions = {}): TreeGraphPieces {
  const input = options.input ?? 'features';
  const prefix = options.prefix ?? 'gbdt_';
  const cast = `${prefix}features_f64`;
  const { nodes: nodeAttrs, leaves } = ensembleAttributes(model);
  const attributes: NodeSpec['attributes'] = {};
  for (const [name, values] of Object.entries(nodeAttrs)) {
    attributes[name] = name === 'nodes_modes' ? attr.strings(values as string[]) : name === 'nodes_values' ? attr.floats(values as number[]) : attr.ints(values as number[]);
  }
  const nodes: NodeSpec[] = [{ opType: 'Cast', name: `${prefix}cast`, inputs: [input], outputs: [cast], attributes: { to: attr.int(TensorDataType.DOUBLE) } }];
  const outputs: ValueInfoSpec[] = [];
  if (model.objective === 'regression') {
    const value = options.outputs?.value ?? 'value';
    Object.assign(attributes, {
      n_targets: attr.int(1), aggregate_function: attr.string('SUM'), post_transform: attr.string('NONE'), base_values: attr.floats(model.baseScores),
      target_treeids: attr.ints(leaves.tree), target_nodeids: attr.ints(leaves.node), target_ids: attr.ints(leaves.id), target_weights: attr.floats(leaves.weight),
    });
    nodes.push({ opType: 'TreeEnsembleRegressor', domain: ML, name: `${prefix}ensemble`, inputs: [cast], outputs: [value], attributes });
    outputs.push({ name: value, elemType: TensorDataType.FLOAT, dims: ['N', 1] });
  } else {
    const label = options.outputs?.label ?? 'label';
    const probabilities = options.outputs?.probabilities ?? 'probabilities';
    const k = model.numClass;
    const names = options.classLabels;
    if (names && names.length !== k) throw new Error(`exportTrees: ${names.length} class labels for ${k} classes`);
    Object.assign(attributes, {
      post_transform: attr.string(model.objective === 'binary' ? 'LOGISTIC' : 'SOFTMAX'), base_values: attr.floats(model.baseScores),
      class_treeids: attr.ints(leaves.tree), class_nodeids: attr.ints(leaves.node), class_ids: attr.ints(leaves.id), class_weights: attr.floats(leaves.weight),
      ...(names ? { classlabels_strings: attr.strings(names) } : { classlabels_int64s: attr.ints(Array.from({ length: k }, (_, i) => i)) }),
    });
    nodes.push({ opType: 'TreeEnsembleClassifier', domain: ML, name: `${prefix}ensemble`, inputs: [cast], outputs: [label, probabilities], attributes });
    outputs.push(
      { name: label, elemType: names ? TensorDataType.STRING : TensorDataType.INT64, dims: ['N'] },
      { name: probabilities, elemType: TensorDataType.FLOAT, dims: ['N', k] },
    );
  }
  return {
    input: { name: input, elemType: TensorDataType.FLOAT, dims: ['N', model.numFeatures] },
    nodes,
    initializers: [],
    outputs,
    opsets: TREE_OPSETS,
  };
}

/** A whole ONNX model: input "features" (float [N, numFeatures], NaN = missing) → the ensemble's outputs. */
export function exportGbdtToOnnx(model: GbdtModel, featureNames: string[], options: TreeGraphOptions = {}): Uint8Array {
  if (featureNames.length !== model.numFeatures) {
    throw new Error(`exportGbdtToOnnx: ${featureNames.length} feature names for a model of ${model.numFeatures} features`);
  }
  const pieces = gbdtGraphPieces(model, options);
  return encodeModel({
    irVersion: 8,
    opsets: pieces.opsets,
    producerName: 'mlcycle',
    producerVersion: '0.1.0',
    docString: `gradient-boosted trees (${model.objective}, ${model.bestIteration} rounds)`,
    metadata: { objective: model.objective, features: JSON.stringify(featureNames), numClass: String(model.numClass) },
    graph: { name: 'mlcycle_gbdt', nodes: pieces.nodes, inputs: [pieces.input], outputs: pieces.outputs, initializers: pieces.initializers },
  });
}
