// The typed client other services use: start lifecycle runs, read their progress and results.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { loadPipeline, parsePipeline, type PipelineDefinition, type PipelineInput } from '../lib/config/pipeline.js';
import { LIFECYCLE_WORKFLOW, TASK_QUEUE, lifecycleWorkflowId, progressQuery } from '../workflows/names.js';
import type { DataSource, LifecycleInput, LifecycleProgress, LifecycleResult } from '../workflows/types.js';

const EXAMPLES_DIR = fileURLToPath(new URL('../examples/', import.meta.url));

/** A pipeline by path to its JSON file, or by the name of an example (examples/<name>/pipeline.json). */
export async function resolvePipeline(ref: string): Promise<PipelineDefinition> {
  const example = join(EXAMPLES_DIR, ref, 'pipeline.json');
  if (/^[a-z0-9-]+$/.test(ref) && existsSync(example)) return loadPipeline(example);
  return loadPipeline(resolve(ref));
}

export interface StartRunOptions {
  /** A data file (CSV, TSV, JSON lines, JSON, Parquet, Arrow) to use instead of the pipeline's own data. */
  dataPath?: string;
  /** Run again on data that already had a successful run (a new data version is made from the time). */
  rerun?: boolean;
  reason?: string;
}

export interface StartedRun {
  workflowId: string;
  runId: string;
  handle: WorkflowHandle;
}

/** The run's data source and its version: a file's content hash, or for a query its text's hash and the time. */
async function sourceOf(pipeline: PipelineDefinition, dataPath: string | undefined): Promise<{ source: DataSource; version: string; label: string }> {
  const data = dataPath ? { path: dataPath } : pipeline.data;
  if ('postgres' in data) {
    const hash = createHash('sha256').update(data.postgres.query).digest('hex').slice(0, 12);
    return { source: { kind: 'postgres', ...data.postgres }, version: `query-${hash}-${Date.now().toString(36)}`, label: 'a Postgres query' };
  }
  const path = resolve(data.path);
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read data file ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  const version = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const format = dataPath ? undefined : (data as { format?: Extract<DataSource, { kind: 'file' }>['format'] }).format;
  return { source: { kind: 'file', path, ...(format ? { format } : {}) }, version, label: path.split('/').pop() ?? path };
}

/**
 * Starts a lifecycle run; its id is `lifecycle:<pipeline>:<data version>` (a file's content hash).
 * The definition is validated as a pipeline.json is (a PipelineError names every mistake; a relative
 * data path is taken from the current directory), so nothing invalid ever reaches a workflow.
 */
export async function startLifecycle(client: Client, definition: PipelineInput, o: StartRunOptions = {}): Promise<StartedRun> {
  const pipeline = parsePipeline(definition, `"${String((definition as { name?: unknown }).name ?? '(unnamed)')}"`, process.cwd());
  const { source, version, label } = await sourceOf(pipeline, o.dataPath);
  const dataVersion = o.rerun ? `${version}-${Date.now().toString(36)}` : version;
  const input: LifecycleInput = { pipeline, source, dataVersion, reason: o.reason ?? 'started by a user' };
  const workflowId = lifecycleWorkflowId(pipeline.name, dataVersion);
  const handle = await client.workflow.start(LIFECYCLE_WORKFLOW, {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    staticSummary: `lifecycle of ${pipeline.name} on ${label}`,
    staticDetails: `data: ${label} (version ${dataVersion}); ${input.reason}`,
  });
  return { workflowId, runId: handle.firstExecutionRunId, handle };
}

export async function runProgress(handle: WorkflowHandle): Promise<LifecycleProgress> {
  return handle.query(progressQuery);
}

export async function runResult(handle: WorkflowHandle): Promise<LifecycleResult> {
  return (await handle.result()) as LifecycleResult;
}
