// The stored definition a run follows, read once per worker (versions are immutable), and its step modules checked against it.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parsePipeline, type PipelineDefinition } from '../lib/config/pipeline.js';
import { getDefinition, saveDefinition, type StoredDefinition } from '../lib/store/definitions.js';
import { checkDefinition, type CheckedDefinition } from '../lib/steps/check.js';
import { failure } from '../contracts/failures.js';
import type { PipelineRef } from '../contracts/steps.js';
import type { ActivityDeps } from './deps.js';

const stored = new Map<string, StoredDefinition>();
const checkedCache = new Map<string, CheckedDefinition>();

/** True when every module still has the source hash the definition version was stored with. */
async function sourcesUnchanged(moduleHashes: Record<string, string>): Promise<boolean> {
  for (const [path, hash] of Object.entries(moduleHashes)) {
    const now = await readFile(path).then((b) => createHash('sha256').update(b).digest('hex'), () => null);
    if (now !== hash) return false;
  }
  return true;
}
const LIMIT = 64;

/**
 * A monitor schedule created before definitions were stored holds the whole definition instead of a reference:
 * it is checked, stored like any other, and used (the next `mlcycle schedules apply` rewrites the schedule with the reference).
 */
async function storeLegacy(deps: ActivityDeps, value: unknown): Promise<StoredDefinition> {
  let definition: PipelineDefinition;
  try {
    definition = parsePipeline(value, 'from an older schedule', '/');
  } catch (err) {
    throw failure('BadDefinition', (err as Error).message);
  }
  const ref = await saveDefinition(deps.db, definition, {});
  return { ...ref, definition, moduleHashes: {} };
}

export async function storedDefinitionOf(deps: ActivityDeps, ref: PipelineRef): Promise<StoredDefinition> {
  if (typeof ref.version !== 'string') return storeLegacy(deps, ref);
  const key = `${ref.name}@${ref.version}`;
  const hit = stored.get(key);
  if (hit) return hit;
  const found = await getDefinition(deps.db, ref.name, ref.version);
  if (!found) throw failure('BadDefinition', `pipeline ${ref.name} has no stored definition version ${ref.version}`);
  if (stored.size >= LIMIT) stored.delete(stored.keys().next().value as string);
  stored.set(key, found);
  return found;
}

export async function definitionOf(deps: ActivityDeps, ref: PipelineRef): Promise<PipelineDefinition> {
  return (await storedDefinitionOf(deps, ref)).definition;
}

/**
 * The definition's modules loaded and its DAG planned; a module whose source changed since the version was stored is
 * refused (the version's code is gone, so its steps cannot run as that version said).
 */
export async function checkedDefinitionOf(deps: ActivityDeps, ref: PipelineRef): Promise<CheckedDefinition> {
  const { definition, moduleHashes } = await storedDefinitionOf(deps, ref);
  const key = `${ref.name}@${ref.version}`;
  // Planned once per version and worker; each call still checks that the module sources are the stored ones.
  const hit = checkedCache.get(key);
  if (hit && (await sourcesUnchanged(moduleHashes))) return hit;
  let checked: CheckedDefinition;
  try {
    checked = await checkDefinition(definition, `${ref.name}@${ref.version}`);
  } catch (err) {
    throw failure('BadDefinition', (err as Error).message);
  }
  for (const [path, hash] of Object.entries(moduleHashes)) {
    if (checked.moduleHashes[path] !== hash) {
      throw failure('BadDefinition', `step module ${path} changed since definition ${ref.name}@${ref.version} was stored; start a new run to use the new code`);
    }
  }
  if (checkedCache.size >= LIMIT) checkedCache.delete(checkedCache.keys().next().value as string);
  checkedCache.set(key, checked);
  return checked;
}
