// Starting a batch scoring job: names resolved and checked before anything starts; one workflow per job (its business id).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { WorkflowIdConflictPolicy, type Client, type WorkflowHandle } from '@temporalio/client';
import { formatOf } from '../lib/data/sources/index.js';
import type { Queryable } from '../lib/store/db.js';
import { getDeployment, listModelVersions } from '../lib/store/models.js';
import { BATCH_SCORE_WORKFLOW, TASK_QUEUE, batchScoreWorkflowId } from '../contracts/names.js';
import { DEFAULT_CHUNK_ROWS, OUTPUT_EXTENSIONS, outputProblem, type BatchScoreFormat, type BatchScoreInput, type BatchScoreResult } from '../contracts/batchScore.js';
import { resolvePipeline } from './client.js';

export interface BatchScoreRequest {
  /** A registered model's name, or a pipeline (example name or JSON path) whose model it is. */
  ref: string;
  data: string;
  version?: number;
  out?: string;
  format?: BatchScoreFormat;
  chunkRows?: number;
}

export interface StartedBatchScore {
  workflowId: string;
  input: BatchScoreInput;
  handle: WorkflowHandle;
}

/** A request that cannot start (unknown model or version, bad path or flag): the CLI prints the message alone. */
export class BatchScoreRequestError extends Error {}

/** The model a reference names: a registered model, else the model of the pipeline it names. */
async function modelName(db: Queryable, ref: string): Promise<string> {
  if ((await listModelVersions(db, ref)).length > 0) return ref;
  const pipeline = await resolvePipeline(ref).catch(() => null);
  if (pipeline && (await listModelVersions(db, pipeline.name)).length > 0) return pipeline.name;
  const hint = pipeline ? `pipeline ${pipeline.name} has no registered model yet (run it first)` : 'no registered model and no pipeline by that name';
  throw new BatchScoreRequestError(`cannot score with "${ref}": ${hint}`);
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The job's input from a request: the version pinned now (the champion unless named), paths absolute. */
export async function batchScoreInput(db: Queryable, r: BatchScoreRequest): Promise<{ input: BatchScoreInput; sourceDigest: string }> {
  const model = await modelName(db, r.ref);
  const versions = (await listModelVersions(db, model)).map((v) => v.version);
  let version = r.version;
  if (version !== undefined && !versions.includes(version)) throw new BatchScoreRequestError(`${model} has no version ${version} (registered: ${versions.join(', ')})`);
  version ??= (await getDeployment(db, model))?.championVersion;
  if (version === undefined) throw new BatchScoreRequestError(`${model} has no champion: name a version with --version (registered: ${versions.join(', ')})`);
  const source = resolve(r.data);
  try {
    formatOf(source);
  } catch (err) {
    throw new BatchScoreRequestError((err as Error).message);
  }
  const info = await stat(source).catch(() => null);
  if (!info?.isFile()) throw new BatchScoreRequestError(`${source}: no such file`);
  const format: BatchScoreFormat = r.format ?? (r.out && OUTPUT_EXTENSIONS.arrow.includes(extname(r.out).toLowerCase()) ? 'arrow' : 'parquet');
  const output = resolve(r.out ?? join(dirname(source), `${basename(source, extname(source))}.scored${OUTPUT_EXTENSIONS[format]?.[0] ?? ''}`));
  const problem = outputProblem(output, format);
  if (problem) throw new BatchScoreRequestError(problem);
  if (!(await stat(dirname(output)).catch(() => null))?.isDirectory()) throw new BatchScoreRequestError(`output ${output}: folder ${dirname(output)} does not exist`);
  if (output === source) throw new BatchScoreRequestError(`output ${output} is the data being scored`);
  const chunkRows = r.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new BatchScoreRequestError(`--chunk-rows must be a positive integer, got ${chunkRows}`);
  return { input: { model, version, source, output, format, chunkRows }, sourceDigest: await sha256OfFile(source) };
}

/**
 * Starts the job, or attaches to it: the id hashes the data's content, the version, the output and the chunking, so the
 * same job started twice while it runs is one run; started again after it completed, its chunks come back from Postgres.
 */
export async function startBatchScore(conn: { client: Client; db: Queryable }, r: BatchScoreRequest): Promise<StartedBatchScore> {
  const { input, sourceDigest } = await batchScoreInput(conn.db, r);
  const key = createHash('sha256').update(JSON.stringify([sourceDigest, input.version, input.output, input.format, input.chunkRows])).digest('hex').slice(0, 24);
  const workflowId = batchScoreWorkflowId(input.model, key);
  const handle = await conn.client.workflow.start(BATCH_SCORE_WORKFLOW, {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [input],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    staticSummary: `score ${basename(input.source)} with ${input.model}@${input.version}`,
    staticDetails: `data: ${input.source} (sha256 ${sourceDigest.slice(0, 12)}); output: ${input.output} (${input.format}); ${input.chunkRows} rows per chunk`,
  });
  return { workflowId, input, handle };
}

export async function batchScoreResult(handle: WorkflowHandle): Promise<BatchScoreResult> {
  return (await handle.result()) as BatchScoreResult;
}
