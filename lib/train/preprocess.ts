// Feature preprocessing: mean imputation + standardization of numeric columns, one-hot encoding of categoricals.

import { column, type Table } from '../data/table.js';

/** Which table columns feed the model, by kind. */
export interface FeatureSpec {
  numeric: string[];
  categorical: string[];
}

/**
 * Learned preprocessing state (plain JSON). The feature vector is laid out as: every numeric
 * feature in `numeric` order (standardized), then one one-hot block per `categorical` entry, each
 * block in `categories` order.
 */
export interface Preprocessor {
  numeric: { name: string; mean: number; std: number }[];
  categorical: { name: string; categories: string[] }[];
}

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

/**
 * Learns means, standard deviations (population, NaN ignored; 0 or undefined → 1) and category
 * lists (sorted; null and "" are treated as missing and never become a category) from `table`.
 * Pass only training rows.
 */
export function fitPreprocessor(table: Table, spec: FeatureSpec): Preprocessor {
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
  const categorical = spec.categorical.map((name) => {
    const seen = new Set<string>();
    for (const v of stringValues(table, name)) if (v !== null && v !== '') seen.add(v);
    return { name, categories: [...seen].sort(compareStrings) };
  });
  return { numeric, categorical };
}

/** Width of the feature vector. */
export function featureDim(pre: Preprocessor): number {
  return pre.numeric.length + pre.categorical.reduce((s, c) => s + c.categories.length, 0);
}

/** Names of the feature vector's entries: numeric names, then `column=category`. */
export function featureNames(pre: Preprocessor): string[] {
  const names = pre.numeric.map((f) => f.name);
  for (const c of pre.categorical) for (const cat of c.categories) names.push(`${c.name}=${cat}`);
  return names;
}

/**
 * Applies the preprocessor: missing numeric → mean (i.e. 0 after standardization); unseen or
 * missing category → all zeros in its block. Returns a row-major rows × dim matrix.
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
  let offset = pre.numeric.length;
  for (const c of pre.categorical) {
    const index = new Map<string, number>();
    c.categories.forEach((cat, k) => index.set(cat, k));
    const values = stringValues(table, c.name);
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      const k = v === null ? undefined : index.get(v);
      if (k !== undefined) x[i * dim + offset + k] = 1;
    }
    offset += c.categories.length;
  }
  return { x, dim };
}
