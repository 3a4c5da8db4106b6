// The `transforms` section of a definition: derived features as expressions or analyzers, checked by zod (kinds from the analyzer table).
import { z } from 'zod';

/** A derived feature's name: an identifier, so later expressions can read it. */
const derivedName = z
  .string()
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be letters, digits and underscores, not starting with a digit');

const column = z.string().min(1).max(128);

/** Keys each kind of declaration may carry beyond `name` (the first is the kind's own key). */
export const TRANSFORM_KEYS = {
  expr: ['expr'],
  standardize: ['standardize'],
  minmax: ['minmax'],
  buckets: ['buckets', 'quantiles'],
  vocabulary: ['vocabulary', 'encode', 'top'],
  impute: ['impute', 'with'],
} as const;
export type TransformKind = keyof typeof TRANSFORM_KEYS;

export const transformSchema = z
  .object({
    name: derivedName,
    /** An expression over columns (lib/transforms/registry.ts lists what it may use). */
    expr: z.string().min(1).max(2000).optional(),
    /** (x − mean) / std with the training mean and population standard deviation. */
    standardize: column.optional(),
    /** (x − min) / (max − min) with the training minimum and maximum. */
    minmax: column.optional(),
    /** The bucket index 0 … quantiles−1 of x among the training quantiles. */
    buckets: column.optional(),
    quantiles: z.number().int().min(2).max(100).optional(),
    /** A string column's training vocabulary (by frequency, then by text) → an index or one-hot columns. */
    vocabulary: column.optional(),
    encode: z.enum(['index', 'onehot']).optional(),
    top: z.number().int().min(1).max(10_000).optional(),
    /** The column with its missing values replaced by a learned or given value. */
    impute: column.optional(),
    with: z.union([z.enum(['mean', 'median', 'mode']), z.number().finite(), z.string().min(1)]).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const kinds = (Object.keys(TRANSFORM_KEYS) as TransformKind[]).filter((k) => t[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `needs exactly one of ${Object.keys(TRANSFORM_KEYS).join(', ')}${kinds.length ? ` (has ${kinds.join(', ')})` : ''}` });
      return;
    }
    const allowed = new Set<string>(['name', ...TRANSFORM_KEYS[kinds[0]]]);
    for (const key of Object.keys(t).filter((k) => t[k as keyof typeof t] !== undefined && !allowed.has(k))) {
      ctx.addIssue({ code: 'custom', path: [key], message: `does not apply to a "${kinds[0]}" transform` });
    }
    if (kinds[0] === 'buckets' && t.quantiles === undefined) ctx.addIssue({ code: 'custom', path: ['quantiles'], message: 'is required for "buckets"' });
    if (kinds[0] === 'impute' && t.with === undefined) ctx.addIssue({ code: 'custom', path: ['with'], message: 'is required for "impute" (mean, median, mode or a constant)' });
  });

export type TransformDeclaration = z.infer<typeof transformSchema>;

/** Absent → no key at all (a definition without transforms keeps the content, and so the version hash, it had). */
export const transformsSchema = z.array(transformSchema).max(200).optional();

/** The kind of a declaration that passed the schema. */
export function transformKind(t: TransformDeclaration): TransformKind {
  return (Object.keys(TRANSFORM_KEYS) as TransformKind[]).find((k) => t[k] !== undefined) as TransformKind;
}
