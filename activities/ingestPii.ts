// Pii at the worker: a definition's rules applied to a table before it is stored, and carried by a model version for serving.
import { failure } from '../contracts/failures.js';
import { hasPii, hashesPii } from '../lib/config/pii.js';
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import { applyPiiToTable } from '../lib/data/pii.js';
import { PiiKeyError, requirePiiKey } from '../lib/data/piiKey.js';
import type { Table } from '../lib/data/table.js';
import type { ModelPii } from '../lib/report/modelCard.js';

/**
 * The table as a snapshot may hold it: `drop` fields removed, `hash` fields keyed-hashed with MLCYCLE_PII_KEY. `strict`:
 * every pii name must be a column of the data (a file or query); labelled traffic went through the rules already.
 */
export function piiForSnapshot(definition: PipelineDefinition, table: Table, origin: string, strict: boolean): Table {
  const rules = definition.pii;
  if (!hasPii(rules)) return table;
  let key = null;
  if (hashesPii(rules)) {
    try {
      key = requirePiiKey(`pipeline ${definition.name}`, Object.keys(rules).filter((n) => rules[n] === 'hash'));
    } catch (err) {
      if (err instanceof PiiKeyError) throw failure('BadDefinition', `${err.message} (this worker)`);
      throw err;
    }
  }
  return applyPiiToTable(table, rules, key, { origin, strict });
}

/** The pii rules a registered version carries for serving (with the id of this worker's key); undefined when none. */
export function modelPii(definition: PipelineDefinition): ModelPii | undefined {
  const rules = definition.pii;
  if (!hasPii(rules)) return undefined;
  if (!hashesPii(rules)) return { rules, keyId: null };
  try {
    return { rules, keyId: requirePiiKey(`pipeline ${definition.name}`, Object.keys(rules).filter((n) => rules[n] === 'hash')).id };
  } catch (err) {
    if (err instanceof PiiKeyError) throw failure('BadDefinition', `${err.message} (this worker)`);
    throw err;
  }
}

/**
 * A table a version scores outside serving (batch scoring) under the version's own rules: hashed with the key it was
 * trained under (another key is refused: its hashes would not match), dropped fields gone. Applying it twice is harmless.
 */
export function piiForVersion(label: string, pii: ModelPii | undefined, table: Table, origin: string): Table {
  if (!pii || !hasPii(pii.rules)) return table;
  const rules = pii.rules;
  let key = null;
  if (hashesPii(rules)) {
    try {
      key = requirePiiKey(label, Object.keys(rules).filter((n) => rules[n] === 'hash'));
    } catch (err) {
      if (err instanceof PiiKeyError) throw failure('BadDefinition', `${err.message} (this worker)`);
      throw err;
    }
    if (pii.keyId !== null && pii.keyId !== key.id) {
      throw failure('BadDefinition', `${label} was trained on data hashed with another MLCYCLE_PII_KEY (key id ${pii.keyId}; this worker's is ${key.id})`);
    }
  }
  return applyPiiToTable(table, rules, key, { origin, strict: false });
}
