// Feature preprocessing: mean imputation + standardization and one-hot (optional unknown bucket) for linear models; ordinal codes for trees.

import { column, type Table } from '../data/table.js';

/** Which table columns feed the model, by kind. */
export interface FeatureSpec {
  numeric: string[];
  categorical: string[];
}

/**
 * Learned preprocessing state (plain JSON). The feature vector is laid out as: every numeric
 * feature in `numeric` order (standardized), then one one-hot block per `categorical` entry, each
 * block in `categories` order, followed (only when `unknownBucket` is true) by that block's
 * unknown column.
 *
 * Unknown bucket: a last column per categorical feature that is 1 when the value is missing (null
 * or "") or was not seen in training, so a model can learn a weight for "other" instead of
 * scoring it as the all-zeros baseline. Off by default (the key is then absent). An ONNX exporter
 * builds it from the block it already has: OneHotEncoder with zeros=1 gives all zeros for an
 * unseen or "" input, so unknown = 1 − ReduceSum(block, axis 1, keepdims) (Sub of a constant 1),
 * concatenated after the block.
 */
export interface Preprocessor {
  numeric: { name: string; mean: number; std: number }[];
  categorical: { name: string; categories: string[] }[];
  unknownBucket?: boolean;
}

export interface PreprocessorOptions {
  /** Add an unknown column after each one-hot block (see Preprocessor). Default false. */
  unknownBucket?: boolean;
}

/** Suffix naming an unknown-bucket column in `featureNames`: `column=<unknown>` (a display name). */
export const UNKNOWN_CATEGORY = '<unknown>';

/** Sort strings by UTF-16 code units (locale-independent, deterministic). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numeric view of a column: numeric/date values as they are; categorical values parsed (unparseable → NaN). */
function numericValues(table: Table, name: string): Float64Array {
  const c = column(table, name);
  if (c.kind !== 'categorical') return c.values;
  const out = new Float64Array(table.rows);
  for (let i = 0; i < table.rows; i++) {
    const v = c.values[i];
    out[i] = v === null || v.trim() === '' ? NaN : Number(v);
  }
  return out;
}

/** String view of a column: categorical values as they are; numbers stringified (NaN → null). */
function stringValues(table: Table, name: string): (string | null)[] {
  const c = column(table, name);
  if (c.kind === 'categorical') return c.values;
  return Array.from(c.values, (v) => (Number.isNaN(v) ? null : String(v)));
}

/** Sorted distinct non-missing values of a column (null and "" are missing and never a category). */
function fitCategories(table: Table, name: string): { name: string; categories: string[] } {
  const seen = new Set<string>();
  for (const v of stringValues(table, name)) if (v !== null && v !== '') seen.add(v);
  return { name, categories: [...seen].sort(compareStrings) };
}

/**
 * Learns means, standard deviations (population, NaN ignored; 0 or undefined → 1) and category
 * lists (sorted; null and "" are treated as missing and never become a category) from `table`.
 * Pass only training rows.
 */
export function fitPreprocessor(table: Table, spec: FeatureSpec, options: PreprocessorOptions = {}): Preprocessor {
  const numeric = spec.numeric.map((name) => {
    const values = numericValues(table, name);
    let n = 0;
    let sum = 0;
    for (const v of values) {
      if (!Number.isNaN(v)) {
        n++;
        sum += v;
      }
    }
    const mean = n > 0 ? sum / n : 0;
    let ss = 0;
    for (const v of values) if (!Number.isNaN(v)) ss += (v - mean) * (v - mean);
    const std = n > 0 ? Math.sqrt(ss / n) : 0;
    return { name, mean, std: std > 1e-12 && Number.isFinite(std) ? std : 1 };
  });
  const categorical = spec.categorical.map((name) => fitCategories(table, name));
  return options.unknownBucket ? { numeric, categorical, unknownBucket: true } : { numeric, categorical };
}

/** Where each categorical block sits in the feature vector; `unknown` is its unknown column's index, or -1. */
export function categoricalBlocks(pre: Preprocessor): { name: string; offset: number; categories: string[]; unknown: number }[] {
  let offset = pre.numeric.length;
  return pre.categorical.map((c) => {
    const block = { name: c.name, offset, categories: c.categories, unknown: pre.unknownBucket ? offset + c.categories.length : -1 };
    offset += c.categories.length + (pre.unknownBucket ? 1 : 0);
    return block;
  });
}

/** Width of the feature vector. */
export function featureDim(pre: Preprocessor): number {
  const extra = pre.unknownBucket ? pre.categorical.length : 0;
  return pre.numeric.length + pre.categorical.reduce((s, c) => s + c.categories.length, 0) + extra;
}

/** Names of the feature vector's entries: numeric names, then `column=category` (and `column=<unknown>`). */
export function featureNames(pre: Preprocessor): string[] {
  const names = pre.numeric.map((f) => f.name);
  for (const c of pre.categorical) {
    for (const cat of c.categories) names.push(`${c.name}=${cat}`);
    if (pre.unknownBucket) names.push(`${c.name}=${UNKNOWN_CATEGORY}`);
  }
  return names;
}

/**
 * Applies the preprocessor: missing numeric → mean (i.e. 0 after standardization); unseen or
 * missing category → all zeros in its block (and 1 in its unknown column, when there is one).
 * Returns a row-major rows × dim matrix.
 */
export function transform(pre: Preprocessor, table: Table): { x: Float64Array; dim: number } {
  const dim = featureDim(pre);
  const rows = table.rows;
  const x = new Float64Array(rows * dim);
  pre.numeric.forEach((f, j) => {
    const values = numericValues(table, f.name);
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      x[i * dim + j] = Number.isNaN(v) ? 0 : (v - f.mean) / f.std;
    }
  });
  for (const block of categoricalBlocks(pre)) {
    const index = new Map<string, number>();
    block.categories.forEach((cat, k) => index.set(cat, k));
    const values = stringValues(table, block.name);
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      const k = v === null ? undefined : index.get(v);
      if (k !== undefined) x[i * dim + block.offset + k] = 1;
      else if (block.unknown >= 0) x[i * dim + block.unknown] = 1;
    }
  }
  return { x, dim };
}

/**
 * Ordinal encoding for tree models (plain JSON): numeric features pass through raw, each
 * categorical feature becomes the index of its value in `categories` (sorted as in one-hot).
 * Column layout: `numeric` in order, then `categorical` in order.
 * An ONNX exporter maps a categorical input with ai.onnx.ml LabelEncoder (keys_strings =
 * categories, values_floats = 0…k−1, default_float = NaN).
 */
export interface OrdinalEncoding {
  numeric: string[];
  categorical: { name: string; categories: string[] }[];
}

/** Learns the category lists (sorted; null and "" never become a category) from training rows. */
export function fitOrdinal(table: Table, spec: FeatureSpec): OrdinalEncoding {
  for (const name of spec.numeric) column(table, name); // a clear error for a missing column
  return { numeric: [...spec.numeric], categorical: spec.categorical.map((name) => fitCategories(table, name)) };
}

/** Names of the ordinal columns: numeric names, then categorical names. */
export function ordinalFeatureNames(enc: OrdinalEncoding): string[] {
  return [...enc.numeric, ...enc.categorical.map((c) => c.name)];
}

/**
 * Applies the encoding. Numeric values are kept as they are, NaN included; a categorical value
 * becomes its integer code, and a missing or unseen one becomes NaN, so a tree sends it along its
 * learned default direction. Returns a column-major matrix: column j is x[j·rows, (j+1)·rows).
 */
export function transformOrdinal(enc: OrdinalEncoding, table: Table): { x: Float64Array; rows: number; dim: number } {
  const rows = table.rows;
  const dim = enc.numeric.length + enc.categorical.length;
  const x = new Float64Array(rows * dim);
  enc.numeric.forEach((name, j) => x.set(numericValues(table, name), j * rows));
  enc.categorical.forEach((c, q) => {
    const index = new Map<string, number>();
    c.categories.forEach((cat, k) => index.set(cat, k));
    const values = stringValues(table, c.name);
    const base = (enc.numeric.length + q) * rows;
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      const k = v === null ? undefined : index.get(v);
      x[base + i] = k === undefined ? NaN : k;
    }
  });
  return { x, rows, dim };
}
