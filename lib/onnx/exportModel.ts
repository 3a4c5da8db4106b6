// One ONNX export for every model kind (logreg, GBDT, ridge), and the graph's inputs for feeds and model cards.

import type { InputField } from '../report/modelCard.js';
import type { TrainedModel } from '../train/model.js';
import { exportClassifierToOnnx } from './exportClassifier.js';
import { exportGbdtModelToOnnx } from './exportGbdtModel.js';
import { exportRidgeToOnnx } from './exportRidge.js';
import { classifierInputs } from './feeds.js';

/** The model as one ONNX graph over raw feature columns, under the serving contract (lib/onnx/contract.ts). */
export function exportModelToOnnx(model: TrainedModel): Uint8Array {
  switch (model.kind) {
    case 'logreg':
      return exportClassifierToOnnx(model);
    case 'gbdt':
      return exportGbdtModelToOnnx(model);
    case 'ridge':
      return exportRidgeToOnnx(model);
  }
}

/** The exported graph's inputs, in order: every numeric feature, then every categorical one. */
export function modelInputs(model: TrainedModel): InputField[] {
  if (model.kind === 'logreg') return classifierInputs(model);
  const numeric = model.kind === 'gbdt' ? model.encoding.numeric : model.preprocessor.numeric.map((f) => f.name);
  const categorical = model.kind === 'gbdt' ? model.encoding.categorical : model.preprocessor.categorical;
  return [
    ...numeric.map((name) => ({ name, kind: 'numeric' as const })),
    ...categorical.map((c) => ({ name: c.name, kind: 'categorical' as const })),
  ];
}
