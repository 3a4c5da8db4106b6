// A linear-regression ONNX model built in code (x1, x2 → Concat → Imputer → LinearRegressor), and its model card.
import { attr, encodeModel, TensorDataType } from '../../lib/onnx/model.js';
import type { ModelCard } from '../../lib/report/modelCard.js';
import { tinyCard } from './harness.js';

export const REG_INPUTS = [
  { name: 'x1', kind: 'numeric' as const },
  { name: 'x2', kind: 'numeric' as const },
];

export interface LinearSpec {
  /** One weight per input (per target, target-major when targets > 1). */
  coefficients: number[];
  intercepts: number[];
  /** Name of the graph's output; the contract wants "prediction". */
  output?: string;
  targets?: number;
}

/** prediction = coefficients · [x1, x2] + intercept, a missing (NaN) input counting as 0; float [N, targets]. */
export function linearRegressorOnnx(spec: LinearSpec): Uint8Array {
  const output = spec.output ?? 'prediction';
  const targets = spec.targets ?? 1;
  const ML = 'ai.onnx.ml';
  return encodeModel({
    irVersion: 8,
    opsets: [
      { domain: '', version: 13 },
      { domain: ML, version: 1 },
    ],
    producerName: 'mlcycle-tests',
    graph: {
      name: 'linear_regressor',
      inputs: REG_INPUTS.map((i) => ({ name: i.name, elemType: TensorDataType.FLOAT, dims: ['N', 1] })),
      outputs: [{ name: output, elemType: TensorDataType.FLOAT, dims: ['N', targets] }],
      nodes: [
        { opType: 'Concat', inputs: REG_INPUTS.map((i) => i.name), outputs: ['features'], attributes: { axis: attr.int(1) } },
        {
          opType: 'Imputer',
          domain: ML,
          inputs: ['features'],
          outputs: ['imputed'],
          attributes: { imputed_value_floats: attr.floats([0]), replaced_value_float: attr.float(Number.NaN) },
        },
        {
          opType: 'LinearRegressor',
          domain: ML,
          inputs: ['imputed'],
          outputs: [output],
          attributes: { coefficients: attr.floats(spec.coefficients), intercepts: attr.floats(spec.intercepts), targets: attr.int(targets) },
        },
      ],
    },
  });
}

/** The model computed by hand, in float64 (compare with a float32 tolerance). */
export function linearValue(spec: LinearSpec, x1: number | null, x2: number | null): number {
  return spec.coefficients[0] * (x1 ?? 0) + spec.coefficients[1] * (x2 ?? 0) + spec.intercepts[0];
}

/** A regression card over REG_INPUTS with holdout metrics (RMSE 1 unless given). */
export function regressionCard(metrics: Record<string, number> = { rmse: 1, mae: 0.8, r2: 0.9 }, datasetId = 'ds-serving-test') {
  return (name: string, sha256: string, bytes: number): ModelCard => ({
    ...tinyCard(name, sha256, bytes),
    algorithm: 'ridge',
    signature: { inputs: REG_INPUTS, target: 'price', task: 'regression', classes: [] },
    metrics,
    primaryMetric: 'rmse',
    dataset: { id: datasetId, rows: 10, source: 'test' },
  });
}
