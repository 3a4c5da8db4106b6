// One ONNX export for every model kind (logreg, GBDT, ridge), and the graph's inputs for feeds and model cards.

import type { InputField } from '../report/modelCard.js';
import type { TrainedModel } from '../train/model.js';
import { exportClassifierToOnnx } from './exportClassifier.js';
import { exportGbdtModelToOnnx } from './exportGbdtModel.js';
import { exportRidgeToOnnx } from './exportRidge.js';
import { classifierInputs } from './feeds.js';
import { prependTransforms } from '../transforms/compose.js';
import { pruneTransforms, type FittedTransforms } from '../transforms/fit.js';

/** The model as one ONNX graph over raw feature columns, under the serving contract (lib/onnx/contract.ts). */
export function exportModelToOnnx(model: TrainedModel): Uint8Array {
  const graph = exportBare(model);
  return model.transforms ? prependTransforms(graph, model.transforms) : graph;
}

/** The model over its feature columns (derived ones included, as inputs). */
function exportBare(model: TrainedModel): Uint8Array {
  switch (model.kind) {
    case 'logreg':
      return exportClassifierToOnnx(model);
    case 'gbdt':
      return exportGbdtModelToOnnx(model);
    case 'ridge':
      return exportRidgeToOnnx(model);
  }
}

/**
 * The exported graph's inputs, in order: every numeric feature, then every categorical one; a derived feature's place
 * is taken by the raw columns its transforms read (numbers numeric; strings and ISO dates categorical).
 */
export function modelInputs(model: TrainedModel): InputField[] {
  const features = featureInputs(model);
  return model.transforms ? rawInputsOf(features, model.transforms) : features;
}

/** A graph's inputs once `fitted` is prepended (lib/transforms/compose.ts): the derived ones give way to the raw columns they read. */
export function rawInputsOf(features: readonly InputField[], fitted: FittedTransforms): InputField[] {
  const needed = pruneTransforms(fitted, features.map((f) => f.name));
  const derived = new Set(needed.transforms.flatMap((t) => t.outputs.map((o) => o.name)));
  const raw = needed.inputs
    .filter((i) => !features.some((f) => f.name === i.name))
    .map((i) => ({ name: i.name, kind: i.type === 'number' ? ('numeric' as const) : ('categorical' as const) }));
  const first = features.findIndex((f) => derived.has(f.name));
  if (first < 0) return [...features];
  return [...features.slice(0, first), ...raw, ...features.slice(first).filter((f) => !derived.has(f.name))];
}

function featureInputs(model: TrainedModel): InputField[] {
  if (model.kind === 'logreg') return classifierInputs(model);
  const numeric = model.kind === 'gbdt' ? model.encoding.numeric : model.preprocessor.numeric.map((f) => f.name);
  const categorical = model.kind === 'gbdt' ? model.encoding.categorical : model.preprocessor.categorical;
  return [
    ...numeric.map((name) => ({ name, kind: 'numeric' as const })),
    ...categorical.map((c) => ({ name: c.name, kind: 'categorical' as const })),
  ];
}
