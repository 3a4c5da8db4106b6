// Data schema (kinds, nullability, numeric ranges, category domains): inference, its JSON format, column profiles.
import { z } from 'zod';
import type { Column, ColumnKind, Table } from '../data/table.js';
import type { ColumnStats, DatasetProfile } from '../data/profile.js';

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

/**
 * A schema document, stored as JSON that a person can read and edit. `version` is the format version of the
 * document (always 1 today); which pinned revision of a pipeline's schema it is, is kept by the store.
 */
export interface DataSchema {
  version: 1;
  columns: ColumnSchema[];
}

const columnSchemaSchema = z
  .object({
    name: z.string().min(1),
    kind: z.enum(['numeric', 'categorical', 'date']),
    nullable: z.boolean(),
    min: z.number().optional(),
    max: z.number().optional(),
    categories: z.array(z.string()).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.min !== undefined && c.max !== undefined && c.min > c.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${c.min} is above max ${c.max}` });
    if ((c.min === undefined) !== (c.max === undefined)) ctx.addIssue({ code: 'custom', path: ['min'], message: 'give both min and max, or neither' });
    if (c.kind !== 'numeric' && c.min !== undefined) ctx.addIssue({ code: 'custom', path: ['min'], message: 'min/max apply to numeric columns only' });
    if (c.kind !== 'categorical' && c.categories) ctx.addIssue({ code: 'custom', path: ['categories'], message: 'categories apply to categorical columns only' });
  });

/** The zod schema of a DataSchema document (format version 1). */
export const dataSchemaSchema = z
  .object({ version: z.literal(1), columns: z.array(columnSchemaSchema) })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.columns.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: ['columns', i, 'name'], message: `column "${c.name}" is listed twice` });
      seen.add(c.name);
    });
  });

export class SchemaFormatError extends Error {
  override readonly name = 'SchemaFormatError';
}

/** Reads a schema document (e.g. a hand-edited JSON file); every mistake is named with its path. */
export function parseDataSchema(value: unknown, origin = 'schema'): DataSchema {
  if (value && typeof value === 'object' && 'version' in value && value.version !== 1) {
    throw new SchemaFormatError(`${origin}: schema format version ${JSON.stringify(value.version)} is not supported (this mlcycle reads version 1)`);
  }
  const parsed = dataSchemaSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new SchemaFormatError(`${origin} is not a valid schema:\n${lines.join('\n')}`);
  }
  return parsed.data as DataSchema;
}

/** The schema a profile implies (same rules as inferSchema), without another pass over the data. */
export function schemaFromProfile(profile: DatasetProfile, options: InferSchemaOptions = {}): DataSchema {
  const maxCategories = options.maxCategories ?? 100;
  const columns = profile.columns.map((c): ColumnSchema => {
    const schema: ColumnSchema = { name: c.name, kind: c.kind, nullable: c.nulls > 0 };
    if (c.kind === 'numeric' && c.min !== null && c.max !== null) {
      schema.min = c.min;
      schema.max = c.max;
    }
    if (c.kind === 'categorical' && c.domain && c.domain.length <= maxCategories) {
      schema.categories = c.domain.map((d) => d.value).sort();
    }
    return schema;
  });
  return { version: 1, columns };
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

/** The short ColumnProfile of the legacy report, from a full profile's column statistics. */
export function columnProfileFromStats(s: ColumnStats): ColumnProfile {
  if (s.kind === 'categorical') return { name: s.name, kind: s.kind, nulls: s.nulls, distinct: s.distinct };
  const p: ColumnProfile = { name: s.name, kind: s.kind, nulls: s.nulls };
  if (s.min !== null && s.max !== null) {
    p.min = s.min;
    p.max = s.max;
    if (s.kind === 'numeric' && s.mean !== null) p.mean = s.mean;
  }
  return p;
}
