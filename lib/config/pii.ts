// Personal data in a pipeline definition: which fields are dropped or keyed-hashed, checked against the features and target.
import { z } from 'zod';

export const PII_ACTIONS = ['drop', 'hash'] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];
/** Field name → what happens to it before anything is stored: removed, or replaced by a keyed hash (HMAC-SHA256). */
export type PiiRules = Record<string, PiiAction>;

const fieldName = z.string().min(1).max(128);

/** `"pii": { "user_email": "drop", "customer_id": "hash" }` at the definition's top level. */
export const piiSchema = z
  .record(fieldName, z.enum(PII_ACTIONS, { error: 'must be "drop" or "hash"' }))
  .refine((rules) => Object.keys(rules).length <= 256, 'at most 256 fields')
  .optional();

/** The parts of a definition the pii rules are checked against. */
interface PiiContext {
  pii?: PiiRules;
  target?: string;
  features?: { numeric: string[]; categorical: string[] };
}

/**
 * A name is a feature or another field of the data (a column the pipeline reads but does not learn from; ingest refuses
 * a name the data does not have). The target cannot be personal; a dropped field cannot be learned from; a hashed field
 * is categorical, so a numeric feature cannot be hashed. A hashed categorical feature is learned and scored on its hashes.
 */
export function checkPii(p: PiiContext, ctx: z.RefinementCtx): void {
  const features = p.features ?? { numeric: [], categorical: [] };
  for (const [name, action] of Object.entries(p.pii ?? {})) {
    const path = ['pii', name];
    if (name === p.target) {
      ctx.addIssue({ code: 'custom', path, message: `"${name}" is the target: a label cannot be dropped or hashed (leave personal data out of the target)` });
    } else if (action === 'drop' && (features.numeric.includes(name) || features.categorical.includes(name))) {
      ctx.addIssue({ code: 'custom', path, message: `"${name}" is a feature: a dropped field cannot be learned from (hash it as a categorical feature, or remove it from features)` });
    } else if (action === 'hash' && features.numeric.includes(name)) {
      ctx.addIssue({ code: 'custom', path, message: `"${name}" is a numeric feature: a hashed field is categorical (move it to features.categorical, or drop it from features)` });
    }
  }
}

/** True when the rules ask for anything. */
export function hasPii(rules: PiiRules | undefined | null): rules is PiiRules {
  return !!rules && Object.keys(rules).length > 0;
}

/** True when some field is hashed (which needs MLCYCLE_PII_KEY). */
export function hashesPii(rules: PiiRules | undefined | null): boolean {
  return !!rules && Object.values(rules).includes('hash');
}
