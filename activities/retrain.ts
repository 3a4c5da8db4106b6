// Scheduled retraining's activity: what the retraining source holds now (the newest matching file, or a query's watermark).
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { FolderError, fileSha256, newestMatchingFile } from '../lib/data/newestFile.js';
import { WatermarkError, readWatermark } from '../lib/data/watermark.js';
import { failure } from '../contracts/failures.js';
import type { RetrainInput, RetrainSource } from '../contracts/retrain.js';
import type { PipelineDefinition } from '../contracts/types.js';
import { definitionOf } from './definitions.js';
import type { ActivityDeps } from './deps.js';

async function fileSource(path: string, format?: Extract<PipelineDefinition['data'], { path: string }>['format']): Promise<RetrainSource> {
  const digest = await fileSha256(path).catch((err: NodeJS.ErrnoException) => {
    throw failure('DependencyUnavailable', `cannot read retraining file ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  return { found: true, source: { kind: 'file', path, ...(format ? { format } : {}) }, sourceDigest: digest, dataVersion: digest.slice(0, 16), label: basename(path) };
}

async function folderSource(folder: string, pattern: string): Promise<RetrainSource> {
  let newest;
  try {
    newest = await newestMatchingFile(folder, pattern);
  } catch (err) {
    if (err instanceof FolderError) throw failure('DependencyUnavailable', err.message);
    throw err;
  }
  if (!newest) return { found: false, reason: `no file matching "${pattern}" in ${folder}` };
  return fileSource(newest.path);
}

type QuerySource = { query: string; urlEnv?: string; watermarkColumn: string };

async function querySource(deps: ActivityDeps, q: QuerySource): Promise<RetrainSource> {
  const connectionString = q.urlEnv ? process.env[q.urlEnv] : deps.databaseUrl;
  if (!connectionString) throw failure('BadDefinition', `environment variable ${q.urlEnv} (the retraining source database) is not set on this worker`);
  let read;
  try {
    read = await readWatermark(connectionString, q.query, q.watermarkColumn);
  } catch (err) {
    if (err instanceof WatermarkError) throw failure(err.kind === 'definition' ? 'BadDefinition' : 'DependencyUnavailable', err.message);
    throw err;
  }
  if (read.watermark === null) return { found: false, reason: `the retraining query returns no row with a ${q.watermarkColumn}` };
  const hash = createHash('sha256').update(JSON.stringify([q.urlEnv ?? null, q.query, q.watermarkColumn, read.watermark])).digest('hex');
  return {
    found: true,
    source: { kind: 'postgres', query: q.query, ...(q.urlEnv ? { urlEnv: q.urlEnv } : {}) },
    sourceDigest: null,
    dataVersion: `query-${hash.slice(0, 16)}`,
    label: `${read.rows} rows up to ${q.watermarkColumn} = ${read.watermark}`,
  };
}

/** The source a schedule retrains from: `schedules.retrain.source`, else the pipeline's own data file. */
export async function resolveSource(deps: ActivityDeps, pipeline: PipelineDefinition): Promise<RetrainSource> {
  const source = pipeline.schedules.retrain?.source;
  if (source && 'folder' in source) return folderSource(source.folder, source.pattern);
  if (source) return querySource(deps, source.postgres);
  if (!pipeline.data) throw failure('BadDefinition', `pipeline ${pipeline.name} declares no "data" and schedules.retrain no source: nothing to retrain on`);
  if ('path' in pipeline.data) return fileSource(pipeline.data.path, pipeline.data.format);
  throw failure('BadDefinition', `pipeline ${pipeline.name} reads a Postgres query without a watermark: give schedules.retrain.source.postgres.watermarkColumn`);
}

export function createRetrainActivities(deps: ActivityDeps) {
  return {
    async resolveRetrainSource(input: RetrainInput): Promise<RetrainSource> {
      return resolveSource(deps, await definitionOf(deps, input.pipeline));
    },
  };
}
