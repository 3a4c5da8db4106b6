// Pii at serving: a version's rules (from its card) applied to instances before scoring and logging; units logged as keyed hashes.
import type { ModelPii } from '../lib/report/modelCard.js';
import { piiRecordTransform } from '../lib/data/pii.js';
import { PII_KEY_VAR, type PiiKey } from '../lib/data/piiKey.js';
import type { ServedModel } from './modelRegistry.js';

/** What a served version does with personal data: its records' fields dropped or hashed, and its units hashed. */
export interface ServingPii {
  rules: ModelPii['rules'];
  /** A new record without dropped fields, with hashed ones (what is scored, counted and logged). */
  transform(record: Record<string, unknown>): Record<string, unknown>;
  /** The unit id as it is logged: a keyed hash (a unit names a subject). */
  unit(id: string): string;
  key: PiiKey;
}

function plan(rules: ModelPii['rules'], key: PiiKey): ServingPii {
  return { rules, transform: piiRecordTransform(rules, key), unit: (id) => key.hash(id), key };
}

/**
 * A version's pii plan, or null when its card has no rules. Fails closed: a version with rules needs MLCYCLE_PII_KEY
 * (to hash its units and fields), the same key its training data was hashed with when it hashes any field.
 */
export function servingPii(label: string, pii: ModelPii | undefined, key: PiiKey | null): ServingPii | null {
  if (!pii || Object.keys(pii.rules ?? {}).length === 0) return null;
  const fields = Object.keys(pii.rules).join(', ');
  if (!key) {
    throw new Error(`${label} has pii fields (${fields}): serving it needs ${PII_KEY_VAR} (units and hashed fields are logged as keyed hashes); not served`);
  }
  if (pii.keyId !== null && pii.keyId !== key.id) {
    throw new Error(
      `${label} was trained on data hashed with another ${PII_KEY_VAR} (key id ${pii.keyId}; this replica's is ${key.id}): ` +
        'its hashed fields would not match; not served (use the key the workers use)',
    );
  }
  return plan(pii.rules, key);
}

const combined = new WeakMap<ServedModel, ServingPii | null>();

/** The plan for a request to a served model: the champion's and challenger's rules together (a field either hashes is hashed). */
export function modelPii(model: ServedModel): ServingPii | null {
  const known = combined.get(model);
  if (known !== undefined) return known;
  const a = model.champion.pii;
  const b = model.challenger?.pii ?? null;
  let result = a ?? b;
  if (a && b) {
    const rules: ModelPii['rules'] = { ...a.rules };
    for (const [name, action] of Object.entries(b.rules)) if (rules[name] !== 'hash') rules[name] = action;
    result = plan(rules, a.key); // both were loaded with this replica's key
  }
  combined.set(model, result);
  return result;
}
