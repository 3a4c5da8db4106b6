// The columns drift aggregates count, as AggregateBuilder.add reads a record: from the log record's columns, the instances, or the answers.
import type { BatchOutput } from '../lib/scoring/microBatcher.js';
import type { PredictionRecord } from '../lib/store/predictionRows.js';

/** A numeric profile column: a finite number counts, anything else is missing (NaN). */
export function numberColumn(name: string, instances: readonly Record<string, unknown>[], logged?: PredictionRecord): Float64Array {
  const n = instances.length;
  const values = new Float64Array(n);
  const j = logged ? logged.layout.numeric.indexOf(name) : -1;
  if (logged && j >= 0) {
    // The record keeps a finite number as sent and anything else as null.
    const width = logged.layout.numeric.length;
    const num = logged.num;
    for (let i = 0; i < n; i++) values[i] = num[i * width + j] ?? NaN;
    return values;
  }
  for (let i = 0; i < n; i++) {
    const v = instances[i][name];
    values[i] = typeof v === 'number' ? v : NaN;
  }
  return values;
}

/** A categorical profile column: a string counts, a number or boolean counts as its text, anything else is missing (null). */
export function categoryColumn(name: string, instances: readonly Record<string, unknown>[], logged?: PredictionRecord): (string | null)[] {
  const n = instances.length;
  const values = new Array<string | null>(n);
  const j = logged ? logged.layout.categorical.indexOf(name) : -1;
  if (logged && j >= 0) {
    // The record keeps a string as sent and anything else as null; a checked categorical feature is one or the other.
    const width = logged.layout.categorical.length;
    for (let i = 0; i < n; i++) values[i] = logged.cat[i * width + j];
    return values;
  }
  for (let i = 0; i < n; i++) values[i] = category(instances[i][name]);
  return values;
}

function category(v: unknown): string | null {
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
}

/** The answers as a numeric column: a regressor's values (a classifier's labels are not numbers: missing). */
export function answerNumbers(out: BatchOutput, n: number): Float64Array {
  const values = new Float64Array(n);
  if (out.task === 'regression') for (let i = 0; i < n; i++) values[i] = out.values[i];
  else values.fill(NaN);
  return values;
}

/** The answers as a categorical column: a classifier's labels, or a regressor's values as text. */
export function answerCategories(out: BatchOutput, n: number): (string | null)[] {
  if (out.task !== 'regression') return out.labels;
  const values = new Array<string | null>(n);
  for (let i = 0; i < n; i++) values[i] = String(out.values[i]);
  return values;
}
