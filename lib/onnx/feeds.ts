// Builds runtime-free input feeds (plain typed data) for an exported model from raw records: one column per input.

import type { InputField } from '../report/modelCard.js';
import type { TrainedClassifier } from '../train/classifier.js';

/** A feed column of N values: float32 for numeric inputs (NaN = missing), strings for categorical ("" = missing). */
export type FeedColumn = Float32Array | string[];
export type FeedColumns = Record<string, FeedColumn>;

/** One input tensor as plain data; wrap it with `new ort.Tensor(type, data, dims)`. */
export type FeedTensor =
  | { type: 'float32'; data: Float32Array; dims: [number, number] }
  | { type: 'string'; data: string[]; dims: [number, number] };

/** Raw value → number: null/undefined/"" → NaN, booleans → 1/0, strings parsed (unparseable → NaN). */
export function rawToNumber(v: unknown): number {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
}

/** Raw value → category string: null/undefined/NaN → "" (missing), others stringified. */
export function rawToCategory(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && Number.isNaN(v)) return '';
  return String(v);
}

/** The columns the ONNX graph takes, one per input, in the same missing-value convention as the trainer. */
export function feedColumns(inputs: readonly InputField[], records: readonly Record<string, unknown>[]): FeedColumns {
  const n = records.length;
  const feeds: FeedColumns = {};
  for (const { name, kind } of inputs) {
    if (kind === 'numeric') {
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = rawToNumber(records[i][name]);
      feeds[name] = data;
    } else {
      feeds[name] = records.map((r) => rawToCategory(r[name]));
    }
  }
  return feeds;
}

/** The inputs of an exported classifier: every numeric feature, then every categorical one. */
export function classifierInputs(model: TrainedClassifier): InputField[] {
  return [
    ...model.preprocessor.numeric.map((f) => ({ name: f.name, kind: 'numeric' as const })),
    ...model.preprocessor.categorical.map((c) => ({ name: c.name, kind: 'categorical' as const })),
  ];
}

/** One [N, 1] feed per input, keyed by input name. */
export function feedTensors(inputs: readonly InputField[], records: readonly Record<string, unknown>[]): Record<string, FeedTensor> {
  const n = records.length;
  const feeds: Record<string, FeedTensor> = {};
  for (const [name, data] of Object.entries(feedColumns(inputs, records))) {
    feeds[name] = data instanceof Float32Array ? { type: 'float32', data, dims: [n, 1] } : { type: 'string', data, dims: [n, 1] };
  }
  return feeds;
}
