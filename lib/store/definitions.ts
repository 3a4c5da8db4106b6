// Stored pipeline definitions: immutable versions named by the hash of their content and their step modules' sources.
import type { PipelineDefinition } from '../config/pipeline.js';
import { canonicalJson, sha256 } from '../steps/cacheKey.js';
import type { Queryable } from './db.js';

export interface StoredDefinition {
  name: string;
  version: string;
  definition: PipelineDefinition;
  moduleHashes: Record<string, string>;
}

export function definitionVersion(definition: PipelineDefinition, moduleHashes: Record<string, string>): string {
  return sha256(canonicalJson({ definition, modules: moduleHashes })).slice(0, 16);
}

/** Stores the definition (once per version; storing the same content again changes nothing) and returns its reference. */
export async function saveDefinition(db: Queryable, definition: PipelineDefinition, moduleHashes: Record<string, string>): Promise<{ name: string; version: string }> {
  const version = definitionVersion(definition, moduleHashes);
  await db.query(
    `INSERT INTO pipeline_definitions (name, version, definition, module_hashes) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name, version) DO NOTHING`,
    [definition.name, version, JSON.stringify(definition), JSON.stringify(moduleHashes)],
  );
  return { name: definition.name, version };
}

export async function getDefinition(db: Queryable, name: string, version: string): Promise<StoredDefinition | null> {
  const r = await db.query<{ definition: PipelineDefinition; module_hashes: Record<string, string> }>(
    'SELECT definition, module_hashes FROM pipeline_definitions WHERE name = $1 AND version = $2',
    [name, version],
  );
  const row = r.rows[0];
  return row ? { name, version, definition: row.definition, moduleHashes: row.module_hashes } : null;
}

/** The newest stored version of a pipeline (for commands that name a pipeline without a version). */
export async function latestDefinition(db: Queryable, name: string): Promise<StoredDefinition | null> {
  const r = await db.query<{ version: string }>('SELECT version FROM pipeline_definitions WHERE name = $1 ORDER BY created_at DESC LIMIT 1', [name]);
  return r.rows[0] ? getDefinition(db, name, r.rows[0].version) : null;
}

/** Every pipeline with a stored definition, by name. */
export async function storedPipelineNames(db: Queryable): Promise<string[]> {
  const r = await db.query<{ name: string }>('SELECT DISTINCT name FROM pipeline_definitions ORDER BY name');
  return r.rows.map((row) => row.name);
}

/** The definition version a lifecycle run followed (from its recorded steps), or null when the run recorded none. */
export async function definitionOfRun(db: Queryable, runId: string): Promise<StoredDefinition | null> {
  const r = await db.query<{ pipeline: string; pipeline_version: string }>(
    'SELECT pipeline, pipeline_version FROM step_runs WHERE run_id = $1 ORDER BY id DESC LIMIT 1',
    [runId],
  );
  return r.rows[0] ? getDefinition(db, r.rows[0].pipeline, r.rows[0].pipeline_version) : null;
}
