// The stored definition a run follows, read once per worker (versions are immutable), and its step modules checked against it.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { parsePipeline, type PipelineDefinition } from '../lib/config/pipeline.js';
import { getDefinition, saveDefinition, type StoredDefinition } from '../lib/store/definitions.js';
import { checkDefinition, type CheckedDefinition } from '../lib/steps/check.js';
import { failure } from '../contracts/failures.js';
import type { PipelineRef } from '../contracts/steps.js';
import type { ActivityDeps } from './deps.js';

const stored = new Map<string, StoredDefinition>();
const checkedCache = new Map<string, CheckedDefinition>();

interface ModuleChange {
  path: string;
  was: string;
  /** The source's sha256 now; null when the file is gone. */
  now: string | null;
}

/** The modules whose source no longer has the hash the definition version was stored with. */
async function changedModules(moduleHashes: Record<string, string>): Promise<ModuleChange[]> {
  const changes: ModuleChange[] = [];
  for (const [path, was] of Object.entries(moduleHashes)) {
    const now = await sourceHash(path);
    if (now !== was) changes.push({ path, was, now });
  }
  return changes;
}

const hashed = new Map<string, { mtimeMs: number; size: number; hash: string }>();

/** A module source's sha256, hashed again only when its size or modification time moved (every step asks). */
async function sourceHash(path: string): Promise<string | null> {
  const st = await stat(path).catch(() => null);
  if (!st) return null;
  const known = hashed.get(path);
  if (known && known.mtimeMs === st.mtimeMs && known.size === st.size) return known.hash;
  const hash = await readFile(path).then((b) => createHash('sha256').update(b).digest('hex'), () => null);
  if (hash === null) return null;
  hashed.set(path, { mtimeMs: st.mtimeMs, size: st.size, hash });
  return hash;
}

/** "step module X (steps a, b) changed since …: its sha256 was …, now …". */
function describeChanges(changes: ModuleChange[], ref: PipelineRef, known: CheckedDefinition | undefined): string {
  const one = (c: ModuleChange): string => {
    const steps = known ? [...known.catalog.values()].filter((d) => d.module === c.path).map((d) => d.name).sort() : [];
    const since = `since definition ${ref.name}@${ref.version} was stored`;
    const what = c.now === null ? `is gone ${since}` : `changed ${since} (sha256 ${c.was.slice(0, 12)}… then, ${c.now.slice(0, 12)}… now)`;
    return `step module ${c.path}${steps.length ? ` (step${steps.length > 1 ? 's' : ''} ${steps.join(', ')})` : ''} ${what}`;
  };
  return `${changes.map(one).join('; ')}; the version's code is gone: start a new run to use the new code`;
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
  // Changed code is refused before it is imported: it is not the code this version was stored with.
  const changes = await changedModules(moduleHashes);
  if (changes.length > 0) throw failure('BadDefinition', describeChanges(changes, ref, hit));
  if (hit) return hit;
  let checked: CheckedDefinition;
  try {
    checked = await checkDefinition(definition, `${ref.name}@${ref.version}`);
  } catch (err) {
    throw failure('BadDefinition', (err as Error).message);
  }
  // Changed between the hash check and the import: still refused.
  const raced = Object.entries(moduleHashes).filter(([path, was]) => checked.moduleHashes[path] !== was).map(([path, was]) => ({ path, was, now: checked.moduleHashes[path] ?? null }));
  if (raced.length > 0) throw failure('BadDefinition', describeChanges(raced, ref, checked));
  if (checkedCache.size >= LIMIT) checkedCache.delete(checkedCache.keys().next().value as string);
  checkedCache.set(key, checked);
  return checked;
}
