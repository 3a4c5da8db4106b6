// The typed client other services use: start lifecycle runs, read their progress and results.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { readEnv } from '../lib/config/env.js';
import { loadPipeline, parsePipeline, type PipelineDefinition, type PipelineInput } from '../lib/config/pipeline.js';
import { checkDefinition, type CheckedDefinition } from '../lib/steps/check.js';
import { ML_SECTIONS, requireSections, type WithSections } from '../lib/steps/sections.js';
import type { Queryable } from '../lib/store/db.js';
import { saveDefinition } from '../lib/store/definitions.js';
import { LIFECYCLE_WORKFLOW, TASK_QUEUE, lifecycleWorkflowId, progressQuery } from '../contracts/names.js';
import type { PipelineRef } from '../contracts/steps.js';
import type { DataSource, LifecycleInput, LifecycleProgress, LifecycleResult } from '../contracts/types.js';
import { checkModulesInRoots } from './dataRoots.js';

export const EXAMPLES_DIR = fileURLToPath(new URL('../examples/', import.meta.url));

/**
 * A pipeline by path to its JSON file, or by the name of an example (examples/<name>/pipeline.json). Its step modules
 * must lie below the file's folder or a data root (`roots`; default the configured ones), as the HTTP API requires.
 */
export async function resolvePipeline(ref: string, roots: readonly string[] = readEnv().dataRoots): Promise<PipelineDefinition> {
  const example = join(EXAMPLES_DIR, ref, 'pipeline.json');
  const file = /^[a-z0-9-]+$/.test(ref) && existsSync(example) ? example : resolve(ref);
  const pipeline = await loadPipeline(file);
  await checkModulesInRoots(pipeline, [dirname(file), ...roots]);
  return pipeline;
}

/** A pipeline that learns (data, target, features and search declared), as the examples do; else an error naming what is missing. */
export async function resolveMlPipeline(ref: string, roots?: readonly string[]): Promise<WithSections<'data' | (typeof ML_SECTIONS)[number]>> {
  return requireSections(await resolvePipeline(ref, roots), ['data', ...ML_SECTIONS], `pipeline ${ref}`);
}

export interface StartRunOptions {
  /** A data file (CSV, TSV, JSON lines, JSON, Parquet, Arrow) to use instead of the pipeline's own data. */
  dataPath?: string;
  /** Run again on data that already had a successful run (a new data version is made from the time). */
  rerun?: boolean;
  /** Execute every step even when a result for its cache key is recorded (results are still recorded). */
  noCache?: boolean;
  reason?: string;
}

/** What starting a run needs: Temporal, and the database where definitions are stored. */
export interface MlcycleConnection {
  client: Client;
  db: Queryable;
}

export interface StartedRun {
  workflowId: string;
  runId: string;
  handle: WorkflowHandle;
  pipeline: PipelineRef;
}

/**
 * The run's data source and its version: a file's content hash, or for a query its text's hash and the time. A
 * definition without data (a DAG without ingest) has none: its version is null and the run's id comes from the time.
 */
export async function sourceOf(pipeline: PipelineDefinition, dataPath: string | undefined): Promise<{ source: DataSource; version: string | null; digest: string | null; label: string }> {
  const data = dataPath ? { path: dataPath } : pipeline.data;
  if (!data) return { source: { kind: 'none' }, version: null, digest: null, label: 'no data' };
  if ('postgres' in data) {
    const hash = createHash('sha256').update(data.postgres.query).digest('hex').slice(0, 12);
    return { source: { kind: 'postgres', ...data.postgres }, version: `query-${hash}-${startSuffix()}`, digest: null, label: 'a Postgres query' };
  }
  const path = resolve(data.path);
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read data file ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  const digest = createHash('sha256').update(bytes).digest('hex');
  const format = dataPath ? undefined : (data as { format?: Extract<DataSource, { kind: 'file' }>['format'] }).format;
  return { source: { kind: 'file', path, ...(format ? { format } : {}) }, version: digest.slice(0, 16), digest, label: path.split('/').pop() ?? path };
}

/**
 * Checks a definition as a whole (zod schema, step modules, the DAG: every mistake named by its path) and stores it;
 * nothing starts on a bad definition. A relative data path is taken from the current directory.
 */
export async function registerDefinition(
  db: Queryable,
  definition: PipelineInput,
): Promise<{ pipeline: PipelineDefinition; ref: PipelineRef; checked: CheckedDefinition }> {
  const { pipeline, checked } = await checkPipeline(definition);
  const ref = await saveDefinition(db, pipeline, checked.moduleHashes);
  return { pipeline, ref, checked };
}

/** The same checks without storing anything (for `--plan` and `mlcycle steps`). */
export async function checkPipeline(definition: PipelineInput): Promise<{ pipeline: PipelineDefinition; checked: CheckedDefinition }> {
  const pipeline = parsePipeline(definition, `"${String((definition as { name?: unknown }).name ?? '(unnamed)')}"`, process.cwd());
  return { pipeline, checked: await checkDefinition(pipeline) };
}

/** MLCYCLE_CONTINUE_AS_NEW_EVENTS: history events before a run continues as new (default 10,000; smaller keeps each history shorter). */
function continueAsNewBudget(): { continueAsNewAfterEvents?: number } {
  const raw = process.env.MLCYCLE_CONTINUE_AS_NEW_EVENTS;
  if (raw === undefined || raw === '') return {};
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 200 || n > 40_000) throw new Error(`MLCYCLE_CONTINUE_AS_NEW_EVENTS must be an integer from 200 to 40000, got "${raw}"`);
  return { continueAsNewAfterEvents: n };
}

/**
 * What makes a run's id its own when the data does not (no data, or a rerun): the start time and random bits, so that
 * starts of one definition in the same millisecond (concurrent POST /v1/runs) are distinct runs, not one refused as started.
 */
function startSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

/**
 * Starts a lifecycle run on the stored definition; its id is `lifecycle:<pipeline>:<data version>` (a file's content
 * hash), so the same data is one run unless `rerun` (whose memoized steps are then reused, not recomputed). A run
 * without data is `lifecycle:<pipeline>:def-<definition version>-<time><random>`: each start is a new run.
 */
export async function startLifecycle(conn: MlcycleConnection, definition: PipelineInput, o: StartRunOptions = {}): Promise<StartedRun> {
  const { pipeline, ref } = await registerDefinition(conn.db, definition);
  const { source, version, digest, label } = await sourceOf(pipeline, o.dataPath);
  const dataVersion = version === null ? `def-${ref.version}-${startSuffix()}` : o.rerun ? `${version}-${startSuffix()}` : version;
  const input: LifecycleInput = {
    pipeline: ref, source, sourceDigest: digest, dataVersion, reason: o.reason ?? 'started by a user', noCache: o.noCache ?? false, ...continueAsNewBudget(),
  };
  const workflowId = lifecycleWorkflowId(pipeline.name, dataVersion);
  const handle = await conn.client.workflow.start(LIFECYCLE_WORKFLOW, {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    staticSummary: version === null ? `lifecycle of ${pipeline.name} (no data)` : `lifecycle of ${pipeline.name} on ${label}`,
    staticDetails: `${version === null ? `no data (run ${dataVersion})` : `data: ${label} (version ${dataVersion})`}; definition ${ref.name}@${ref.version}; ${input.reason}`,
  });
  return { workflowId, runId: handle.firstExecutionRunId, handle, pipeline: ref };
}

export async function runProgress(handle: WorkflowHandle): Promise<LifecycleProgress> {
  return handle.query(progressQuery);
}

export async function runResult(handle: WorkflowHandle): Promise<LifecycleResult> {
  return (await handle.result()) as LifecycleResult;
}

/** A result of a DAG that has every built-in step (the default lifecycle), with those outputs present. */
export type CompleteLifecycleResult = LifecycleResult & {
  [K in 'dataset' | 'validation' | 'bestTrial' | 'candidate' | 'model']: NonNullable<LifecycleResult[K]>;
};

/** Narrows a result to a complete lifecycle, naming what is missing otherwise. */
export function completeResult(r: LifecycleResult): CompleteLifecycleResult {
  const missing = (['dataset', 'validation', 'bestTrial', 'candidate', 'model'] as const).filter((k) => r[k] === null);
  if (missing.length) throw new Error(`the run's DAG produced no ${missing.join(', ')} (steps: ${r.steps.map((s) => s.id).join(', ')})`);
  return r as CompleteLifecycleResult;
}
