// A request's answers by one variant as one prediction record (lib/store/predictionRows.ts): instances column-wise.
import type { BatchOutput } from '../lib/scoring/microBatcher.js';
import type { FeedColumns } from '../lib/onnx/feeds.js';
import { appendInput, type LoggedVariant, type LogLayout, type PredictionRecord } from '../lib/store/predictionRows.js';
import { classKeys } from './answers.js';
import type { InstanceRecord } from './feeds.js';
import type { ServedModel, ServedVersion } from './modelRegistry.js';

/** Whose ids the instances carry: the request's base (server-made ids) or the client's ids, per request instance. */
export type RequestIds = { base: string } | { sent: readonly string[] };

/** The instances' columns as a record logs them: layout features row-major (null: missing) and the fields besides them. */
export interface RecordInputs {
  num: (number | null)[];
  cat: (string | null)[];
  extra: (Record<string, unknown> | null)[] | null;
}

export function recordInputs(layout: LogLayout, rows: readonly InstanceRecord[]): RecordInputs {
  const n = rows.length;
  const num: (number | null)[] = [];
  const cat: (string | null)[] = [];
  let extra: (Record<string, unknown> | null)[] | null = null;
  for (let k = 0; k < n; k++) {
    const more = appendInput(layout, rows[k], num, cat);
    if (more) {
      extra ??= new Array<Record<string, unknown> | null>(n).fill(null);
      extra[k] = more;
    }
  }
  return { num, cat, extra };
}

/** The feed columns of a version's inputs from the record's columns of checked rows (a number or null; a string or null). */
export function feedsOf(served: ServedVersion, inputs: RecordInputs, n: number): FeedColumns {
  const { numeric, categorical } = served.layout;
  const feeds: FeedColumns = {};
  for (const { name, kind } of served.scoring.inputs) {
    if (kind === 'numeric') {
      const j = numeric.indexOf(name);
      const width = numeric.length;
      const column = new Float32Array(n);
      for (let i = 0; i < n; i++) column[i] = inputs.num[i * width + j] ?? NaN;
      feeds[name] = column;
    } else {
      const j = categorical.indexOf(name);
      const width = categorical.length;
      const column = new Array<string>(n);
      for (let i = 0; i < n; i++) column[i] = inputs.cat[i * width + j] ?? '';
      feeds[name] = column;
    }
  }
  return feeds;
}

/**
 * The record of the answers in `out` (row k for the request's instance `indices[k]`, or k when indices is null) by one
 * variant, read from scoring's flat outputs. `units` are per request instance; `rows` are the answered instances in answer order.
 */
export function recordOf(
  model: ServedModel, served: ServedVersion, variant: LoggedVariant, rows: readonly InstanceRecord[], out: BatchOutput,
  indices: readonly number[] | null, ids: RequestIds, units: ((i: number) => string | null) | null, latencyMs: number,
  inputs?: RecordInputs,
): PredictionRecord {
  const { layout } = served;
  const n = rows.length;
  const at = (k: number): number => (indices ? indices[k] : k);
  const { num, cat, extra } = inputs ?? recordInputs(layout, rows);
  let label: string[] | null = null;
  let prob: number[] | null = null;
  let value: number[] | null = null;
  if (out.task === 'regression') {
    value = new Array<number>(n);
    for (let k = 0; k < n; k++) value[k] = out.values[k];
  } else {
    label = out.labels;
    // Each logged class takes the probability its answer's class map holds (the last of equal names).
    const { last } = classKeys(served.card.signature.classes);
    const classes = layout.classes;
    const c = classes.length;
    const width = out.classes;
    const from = layout.classes === served.card.signature.classes ? last : classes.map((name) => last[served.card.signature.classes.indexOf(name)]);
    prob = new Array<number>(n * c);
    const p = out.probabilities;
    for (let k = 0; k < n; k++) for (let j = 0; j < c; j++) prob[k * c + j] = p[k * width + from[j]];
  }
  let unitIds: (string | null)[] | null = null;
  if (units) {
    unitIds = new Array<string | null>(n);
    for (let k = 0; k < n; k++) unitIds[k] = units(at(k));
  }
  const sent = 'sent' in ids ? ids.sent : null;
  return {
    requestBase: sent ? null : (ids as { base: string }).base,
    requestIds: sent ? (indices ? indices.map((i) => sent[i]) : [...sent]) : null,
    idx: sent || !indices ? null : [...indices],
    modelName: model.name, modelVersion: served.version, variant, at: Date.now(), layout, n, num, cat, extra, label, prob, value,
    units: unitIds, latencyMs,
  };
}
