// Builds runtime-free input feeds (plain typed data) for an exported classifier from raw records.

import type { RawRecord, RawValue } from '../data/table.js';
import type { TrainedClassifier } from '../train/classifier.js';

/** One input tensor as plain data; wrap it with `new ort.Tensor(type, data, dims)`. */
export type FeedTensor =
  | { type: 'float32'; data: Float32Array; dims: [number, number] }
  | { type: 'string'; data: string[]; dims: [number, number] };

/** Raw value → number: null/undefined/"" → NaN, booleans → 1/0, strings parsed (unparseable → NaN). */
export function rawToNumber(v: RawValue | undefined): number {
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v.trim() === '' ? NaN : Number(v);
}

/** Raw value → category string: null/undefined/NaN → "" (missing), others stringified. */
export function rawToCategory(v: RawValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && Number.isNaN(v)) return '';
  return String(v);
}

/** One [N, 1] feed per feature column of the model, keyed by column name. */
export function onnxInputFeeds(model: TrainedClassifier, records: RawRecord[]): Record<string, FeedTensor> {
  const n = records.length;
  const feeds: Record<string, FeedTensor> = {};
  for (const f of model.preprocessor.numeric) {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = rawToNumber(records[i][f.name]);
    feeds[f.name] = { type: 'float32', data, dims: [n, 1] };
  }
  for (const c of model.preprocessor.categorical) {
    const data = records.map((r) => rawToCategory(r[c.name]));
    feeds[c.name] = { type: 'string', data, dims: [n, 1] };
  }
  return feeds;
}
