// Scores an ONNX model with onnxruntime-node from runtime-free feeds (for checks and the gate, not for serving).
import * as ort from 'onnxruntime-node';
import { CLASSIFIER_OUTPUTS, REGRESSOR_OUTPUT } from './contract.js';
import type { FeedTensor } from './feeds.js';

export type OnnxTask = 'classification' | 'regression';

/** A model's outputs under the serving contract (lib/onnx/contract.ts). */
export type OnnxOutputs =
  | { task: 'classification'; labels: string[]; /** Row-major [rows, classes]. */ probabilities: Float32Array; classes: number }
  | { task: 'regression'; values: Float32Array };

/** The output names a model of this task must have. */
export function contractOutputs(task: OnnxTask): string[] {
  return task === 'regression' ? [REGRESSOR_OUTPUT] : [CLASSIFIER_OUTPUTS.label, CLASSIFIER_OUTPUTS.probabilities];
}

function toOrt(feeds: Record<string, FeedTensor>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) out[name] = f.type === 'string' ? new ort.Tensor('string', f.data, f.dims) : new ort.Tensor('float32', f.data, f.dims);
  return out;
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

/** Runs the model once; a missing output, or one of the wrong type or shape, is a clear error. */
export async function scoreOnnx(modelBytes: Uint8Array, feeds: Record<string, FeedTensor>, task: OnnxTask = 'classification'): Promise<OnnxOutputs> {
  const session = await ort.InferenceSession.create(modelBytes);
  try {
    const out = await session.run(toOrt(feeds), contractOutputNames(session, task));
    return readContractOutputs(out, task, Object.values(feeds)[0]?.dims[0] ?? 0);
  } finally {
    await session.release();
  }
}

export interface LatencyFigures {
  /** Median milliseconds of one run on one row. */
  batch1: number;
  /** Median milliseconds of one run on 1,024 rows. */
  batch1024: number;
}

/** Latency of the packaged graph, single-threaded: median of repeated runs at batch 1 and 1,024 (after a warm-up), all outputs fetched. */
export async function measureLatency(modelBytes: Uint8Array, feedsFor: (rows: number) => Record<string, FeedTensor>): Promise<LatencyFigures> {
  const session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const median = async (inputs: Record<string, ort.Tensor>, repeats: number): Promise<number> => {
    await session.run(inputs);
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await session.run(inputs);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };
  try {
    return { batch1: await median(toOrt(feedsFor(1)), 50), batch1024: await median(toOrt(feedsFor(1024)), 10) };
  } finally {
    await session.release();
  }
}
