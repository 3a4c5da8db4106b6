// Parity between a trained model's own predictions and its exported ONNX graph's outputs, with the tolerances packaging enforces.

import { column, type Column, type Table } from '../data/table.js';
import type { Predictions } from '../train/model.js';
import type { OnnxOutputs } from './runtime.js';

/** Classification: largest allowed |ONNX probability − trainer probability|. */
export const PROBABILITY_TOLERANCE = 1e-5;
/** Regression: largest allowed difference relative to max(|expected|, rms of all expected values). */
export const RELATIVE_TOLERANCE = 1e-6;

export interface ParityResult {
  measure: 'maxAbsProbabilityDiff' | 'maxRelativeDiff';
  /** The measured difference: NaN when a NaN appeared on either side, Infinity when the shapes disagree. */
  value: number;
  tolerance: number;
  ok: boolean;
  rows: number;
  /** Classification: rows whose ONNX label is not the trainer's most probable class (first on ties); 0 for regression. */
  labelMismatches: number;
}

/** A numeric string's float32 rounding as a string that parses back to exactly that value; other strings unchanged. */
function roundNumericString(v: string | null): string | null {
  if (v === null || v.trim() === '') return v;
  const n = Number(v);
  return Number.isNaN(n) ? v : String(Math.fround(n));
}

/**
 * A copy of `table` whose `numeric` columns hold float32 values (Math.fround; NaN stays NaN), so
 * the trainer sees exactly what the ONNX graph is fed (serving feeds float32). A categorical column
 * used as a numeric feature keeps its kind: each parseable value is rewritten as its rounded number.
 * Other columns are shared with `table`, not copied.
 */
export function float32Table(table: Table, numeric: string[]): Table {
  const chosen = new Set(numeric);
  for (const name of chosen) column(table, name); // a clear error for a missing column
  const columns = table.columns.map((c): Column => {
    if (!chosen.has(c.name)) return c;
    if (c.kind === 'categorical') return { name: c.name, kind: 'categorical', values: c.values.map(roundNumericString) };
    return { name: c.name, kind: c.kind, values: c.values.map(Math.fround) } as Column;
  });
  return { rows: table.rows, columns };
}

function argmax(values: ArrayLike<number>, from: number, count: number): number {
  let best = 0;
  for (let k = 1; k < count; k++) if (values[from + k] > values[from + best]) best = k;
  return best;
}

/** Largest |a_i − b_i| / scale_i; NaN as soon as any term is NaN (Math.max would also keep it). */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, scale: (i: number) => number): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / scale(i);
    if (Number.isNaN(d)) return NaN;
    if (d > worst) worst = d;
  }
  return worst;
}

/** Root mean square, scaled by the largest magnitude first so huge values do not overflow; NaN if any value is NaN. */
function rootMeanSquare(values: Float64Array): number {
  let top = 0;
  for (const v of values) top = Math.max(top, Math.abs(v));
  if (top === 0 || !Number.isFinite(top)) return top;
  let squares = 0;
  for (const v of values) squares += (v / top) * (v / top);
  return top * Math.sqrt(squares / values.length);
}

function regressionParity(expected: Float64Array, got: Float32Array): ParityResult {
  const rows = expected.length;
  const base = { measure: 'maxRelativeDiff' as const, tolerance: RELATIVE_TOLERANCE, rows, labelMismatches: 0 };
  if (got.length !== rows) return { ...base, value: Infinity, ok: false };
  const rms = rootMeanSquare(expected);
  const floor = rms > 0 ? rms : 1;
  const value = maxDiff(got, expected, (i) => Math.max(Math.abs(expected[i]), floor));
  return { ...base, value, ok: value <= RELATIVE_TOLERANCE };
}

function classificationParity(classes: string[], proba: Float64Array, got: { labels: string[]; probabilities: Float32Array; classes: number }): ParityResult {
  const k = classes.length;
  const rows = k > 0 ? Math.floor(proba.length / k) : 0;
  const base = { measure: 'maxAbsProbabilityDiff' as const, tolerance: PROBABILITY_TOLERANCE, rows };
  let labelMismatches = 0;
  for (let i = 0; i < Math.min(rows, got.labels.length); i++) {
    if (got.labels[i] !== classes[argmax(proba, i * k, k)]) labelMismatches++;
  }
  const sameShape = k > 0 && rows * k === proba.length && got.classes === k && got.probabilities.length === proba.length && got.labels.length === rows;
  if (!sameShape) return { ...base, value: Infinity, ok: false, labelMismatches };
  const value = maxDiff(got.probabilities, proba, () => 1);
  return { ...base, value, ok: value <= PROBABILITY_TOLERANCE, labelMismatches };
}

/**
 * Compares the trainer's predictions with the graph's outputs on the same rows. Classification:
 * max abs probability difference (the shapes must match) and label mismatches against the trainer's
 * argmax; regression: max |got − expected| / max(|expected|, rms(expected)) (rms 0 → 1), so values
 * near zero are not judged on a relative scale. NaN anywhere fails. Throws when the tasks differ.
 */
export function checkParity(expected: Predictions, got: OnnxOutputs): ParityResult {
  const mismatch = (): Error => new Error(`checkParity: the model predicts ${expected.task} but the ONNX outputs are ${got.task}`);
  if (expected.task === 'regression') {
    if (got.task !== 'regression') throw mismatch();
    return regressionParity(expected.values, got.values);
  }
  if (got.task !== 'classification') throw mismatch();
  return classificationParity(expected.classes, expected.proba, got);
}
