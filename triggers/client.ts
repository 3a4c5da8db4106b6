// The typed client other services use: start lifecycle runs, read their progress and results.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkflowIdReusePolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { loadPipeline, type PipelineDefinition } from '../lib/config/pipeline.js';
import { LIFECYCLE_WORKFLOW, TASK_QUEUE, lifecycleWorkflowId, progressQuery } from '../workflows/names.js';
import type { LifecycleInput, LifecycleProgress, LifecycleResult } from '../workflows/types.js';

const EXAMPLES_DIR = fileURLToPath(new URL('../examples/', import.meta.url));

/** A pipeline by path to its JSON file, or by the name of an example (examples/<name>/pipeline.json). */
export async function resolvePipeline(ref: string): Promise<PipelineDefinition> {
  const example = join(EXAMPLES_DIR, ref, 'pipeline.json');
  if (/^[a-z0-9-]+$/.test(ref) && existsSync(example)) return loadPipeline(example);
  return loadPipeline(resolve(ref));
}

export interface StartRunOptions {
  /** A CSV file to use instead of the pipeline's own data. */
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

/** Starts a lifecycle run; its id is `lifecycle:<pipeline>:<content hash of the data>`. */
export async function startLifecycle(client: Client, pipeline: PipelineDefinition, o: StartRunOptions = {}): Promise<StartedRun> {
  const path = resolve(o.dataPath ?? pipeline.data.path);
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read data file ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const dataVersion = o.rerun ? `${hash}-${Date.now().toString(36)}` : hash;
  const input: LifecycleInput = { pipeline, source: { kind: 'file', path }, dataVersion, reason: o.reason ?? 'started by a user' };
  const workflowId = lifecycleWorkflowId(pipeline.name, dataVersion);
  const handle = await client.workflow.start(LIFECYCLE_WORKFLOW, {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    staticSummary: `lifecycle of ${pipeline.name} on ${path.split('/').pop()}`,
    staticDetails: `data ${path} (sha256 ${hash}…); ${input.reason}`,
  });
  return { workflowId, runId: handle.firstExecutionRunId, handle };
}

export async function runProgress(handle: WorkflowHandle): Promise<LifecycleProgress> {
  return handle.query(progressQuery);
}

export async function runResult(handle: WorkflowHandle): Promise<LifecycleResult> {
  return (await handle.result()) as LifecycleResult;
}
