// Data schema (kinds, nullability, numeric ranges, category domains), its inference, and column profiles.
import type { Column, ColumnKind, Table } from '../data/table.js';

export interface ColumnSchema {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
  /** Observed minimum (numeric columns with at least one value). */
  min?: number;
  /** Observed maximum (numeric columns with at least one value). */
  max?: number;
  /** Sorted distinct values of a categorical column, when it has few enough of them. */
  categories?: string[];
}

export interface DataSchema {
  version: 1;
  columns: ColumnSchema[];
}

/** Summary of one column, as reported by validation. Dates report min/max as epoch ms. */
export interface ColumnProfile {
  name: string;
  kind: ColumnKind;
  nulls: number;
  min?: number;
  max?: number;
  mean?: number;
  distinct?: number;
}

export interface InferSchemaOptions {
  /** Largest number of distinct values kept as a category domain (default 100). */
  maxCategories?: number;
}

/** Infers a schema: nullable if any value is missing, numeric min/max, categorical domain when small. */
export function inferSchema(table: Table, options: InferSchemaOptions = {}): DataSchema {
  const maxCategories = options.maxCategories ?? 100;
  const columns = table.columns.map((c): ColumnSchema => {
    const { profile, distinctValues } = profileWithDistinct(c);
    const schema: ColumnSchema = { name: c.name, kind: c.kind, nullable: profile.nulls > 0 };
    if (c.kind === 'numeric' && profile.min !== undefined) {
      schema.min = profile.min;
      schema.max = profile.max;
    }
    if (distinctValues && distinctValues.size <= maxCategories) {
      schema.categories = [...distinctValues].sort();
    }
    return schema;
  });
  return { version: 1, columns };
}

/** One pass over a column: missing count, min/max/mean (numeric, date), distinct count (categorical). */
export function profileColumn(c: Column): ColumnProfile {
  return profileWithDistinct(c).profile;
}

function profileWithDistinct(c: Column): { profile: ColumnProfile; distinctValues?: Set<string> } {
  let nulls = 0;
  if (c.kind === 'categorical') {
    const distinct = new Set<string>();
    for (const v of c.values) {
      if (v === null) nulls++;
      else distinct.add(v);
    }
    return { profile: { name: c.name, kind: c.kind, nulls, distinct: distinct.size }, distinctValues: distinct };
  }
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  const values = c.values;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      nulls++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const count = values.length - nulls;
  const profile: ColumnProfile = { name: c.name, kind: c.kind, nulls };
  if (count > 0) {
    profile.min = min;
    profile.max = max;
    if (c.kind === 'numeric') profile.mean = sum / count;
  }
  return { profile };
}
