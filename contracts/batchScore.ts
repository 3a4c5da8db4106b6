// Batch scoring: the workflow's input and result, its plan, the chunk and assemble activities' inputs, the progress query.
import { defineQuery } from '@temporalio/workflow';

export type BatchScoreFormat = 'parquet' | 'arrow';

/** Rows per chunk when the caller names none. */
export const DEFAULT_CHUNK_ROWS = 50_000;
/** More chunks than this is refused (raise chunkRows): the history stays far below its limits without continue-as-new. */
export const MAX_CHUNKS = 5_000;
/** Chunks scored at once. */
export const CHUNK_PARALLELISM = 2;

/** The extensions an output of each format may carry (the first is the default). */
export const OUTPUT_EXTENSIONS: Record<BatchScoreFormat, readonly string[]> = { parquet: ['.parquet', '.pq'], arrow: ['.arrow', '.feather', '.ipc'] };

/** What is wrong with an output format and path, or null: an unknown format, or a path that does not carry its extension. */
export function outputProblem(output: string, format: string): string | null {
  const extensions = (OUTPUT_EXTENSIONS as Record<string, readonly string[] | undefined>)[format];
  if (!extensions) return `unknown output format "${format}": use parquet or arrow`;
  const name = output.split('/').pop() ?? output;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot).toLowerCase() : '';
  if (!extensions.includes(ext)) return `output ${output}: a ${format} file must end in ${extensions.join(' or ')}, not "${ext || '(none)'}"`;
  return null;
}

export interface BatchScoreInput {
  /** The registered model's name (a pipeline's models are named after it). */
  model: string;
  /** The version to score with; absent: the champion when the run plans, pinned for the whole run. */
  version?: number;
  /** Absolute path of the data (Parquet, CSV/TSV, JSON lines, JSON, Arrow IPC). */
  source: string;
  /** Absolute path of the scored snapshot; written under a temporary name and renamed at the end. */
  output: string;
  format: BatchScoreFormat;
  chunkRows: number;
}

export interface BatchScoreResult {
  model: string;
  version: number;
  rows: number;
  chunks: number;
  output: string;
  format: BatchScoreFormat;
  /** sha256 of the output file. */
  sha256: string;
  seconds: number;
}

/** What planning found: the pinned version, the data's typed snapshot (a reference), and the chunks. */
export interface BatchScorePlan {
  jobId: string;
  model: string;
  version: number;
  modelSha256: string;
  task: 'classification' | 'regression';
  /**
   * Where chunks read their rows: a Parquet file directly (each chunk its own row range; the footer's fingerprint must
   * still match), or other formats as the typed snapshot planning stored in the artifact store.
   */
  data: { kind: 'parquet'; path: string; fingerprint: string } | { kind: 'snapshot'; uri: string };
  rows: number;
  chunkRows: number;
  chunks: number;
  /** The prediction columns the output gains. */
  predictionColumns: string[];
}

export interface PlanBatchScoreInput {
  jobId: string;
  input: BatchScoreInput;
}

export interface ScoreChunkInput {
  plan: BatchScorePlan;
  chunk: number;
}

/** One chunk done: its rows and whether this call scored it or found it already recorded. */
export interface ChunkDone {
  chunk: number;
  rows: number;
  reused: boolean;
}

export interface AssembleInput {
  plan: BatchScorePlan;
  input: BatchScoreInput;
  startedAt: number;
}

export interface BatchScoreProgress {
  phase: 'planning' | 'scoring' | 'writing' | 'done';
  model: string;
  version: number | null;
  rows: number;
  chunks: number;
  chunksDone: number;
  rowsDone: number;
}

export const batchScoreProgressQuery = defineQuery<BatchScoreProgress>('batchScoreProgress');
