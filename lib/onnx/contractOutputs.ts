// The serving contract's outputs read from a session's answer, runtime-free (types only): onnxruntime-node and onnxruntime-web alike.
import type * as ort from 'onnxruntime-common';
import { CLASSIFIER_OUTPUTS, REGRESSOR_OUTPUT } from './contract.js';

export type OnnxTask = 'classification' | 'regression';

/** A model's outputs under the serving contract (lib/onnx/contract.ts). */
export type OnnxOutputs =
  | { task: 'classification'; labels: string[]; /** Row-major [rows, classes]. */ probabilities: Float32Array; classes: number }
  | { task: 'regression'; values: Float32Array };

/** The output names a model of this task must have. */
export function contractOutputs(task: OnnxTask): string[] {
  return task === 'regression' ? [REGRESSOR_OUTPUT] : [CLASSIFIER_OUTPUTS.label, CLASSIFIER_OUTPUTS.probabilities];
}

const shapeOf = (t: ort.Tensor | undefined): string => (t ? `${t.type} [${t.dims.join(', ')}]` : 'nothing');

/** The outputs a task needs; a model lacking one is named with what it does have. */
export function contractOutputNames(session: ort.InferenceSession, task: OnnxTask): string[] {
  const wanted = contractOutputs(task);
  const missing = wanted.filter((name) => !session.outputNames.includes(name));
  if (missing.length > 0) {
    const needs = task === 'regression' ? `"${REGRESSOR_OUTPUT}" (float [N, 1])` : `"label" (string [N]) and "probabilities" (float [N, classes])`;
    throw new Error(`a ${task} model must output ${needs}; this one lacks ${missing.map((m) => `"${m}"`).join(', ')} (it has: ${session.outputNames.join(', ') || 'none'})`);
  }
  return wanted;
}

/** Checks the fetched outputs' types and shapes against the contract and copies them out of the tensors (which may then be disposed). */
export function readContractOutputs(out: ort.InferenceSession.OnnxValueMapType, task: OnnxTask, rows: number): OnnxOutputs {
  if (task === 'regression') {
    const value = out[REGRESSOR_OUTPUT];
    const dims = value?.dims ?? [];
    const shapeOk = dims[0] === rows && (dims.length === 1 || (dims.length === 2 && dims[1] === 1));
    if (!value || value.type !== 'float32' || !shapeOk) {
      throw new Error(`model output "${REGRESSOR_OUTPUT}" must be float32 [${rows}, 1], got ${shapeOf(value)}`);
    }
    return { task, values: new Float32Array(value.data as Float32Array) };
  }
  const label = out[CLASSIFIER_OUTPUTS.label];
  const probabilities = out[CLASSIFIER_OUTPUTS.probabilities];
  if (!label || label.type !== 'string' || label.data.length !== rows) {
    throw new Error(`model output "label" must be a string tensor of ${rows} labels, got ${shapeOf(label)}`);
  }
  if (!probabilities || probabilities.type !== 'float32' || probabilities.dims.length !== 2 || probabilities.dims[0] !== rows) {
    throw new Error(`model output "probabilities" must be float32 [${rows}, classes], got ${shapeOf(probabilities)}`);
  }
  return {
    task,
    labels: Array.from(label.data as string[]),
    probabilities: new Float32Array(probabilities.data as Float32Array),
    classes: probabilities.dims[1],
  };
}

