// The lifecycle run's and the batch score's input and result as zod schemas, checked against contracts/ at compile time.
import { z } from 'zod';
import type { BatchScoreInput, BatchScoreResult } from '../../contracts/batchScore.js';
import type { LifecycleInput, RunCarry } from '../../contracts/types.js';
import { BATCH_SCORE_WORKFLOW, LIFECYCLE_WORKFLOW } from '../../contracts/names.js';
import { sameType, type ContractSchema } from './same.js';

const pipelineRef = z.object({ name: z.string(), version: z.string().describe('the stored definition\'s version (content-derived)') });

const dataSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string(), format: z.enum(['csv', 'tsv', 'jsonl', 'json', 'parquet', 'arrow']).optional() }),
  z.object({ kind: z.literal('none') }).describe('a DAG without ingest whose definition declares no data'),
  z.object({ kind: z.literal('postgres'), query: z.string(), urlEnv: z.string().optional().describe('the environment variable the worker reads the connection string from') }),
  z.object({
    kind: z.literal('feedback'),
    modelName: z.string(),
    upToPredictionId: z.number(),
    fromPredictionId: z.number().optional(),
    labelsUpTo: z.string().nullable().optional(),
    maxRows: z.number().nullable().optional(),
    championDatasetId: z.string().nullable().optional(),
  }).describe('labelled traffic of a served model, up to a prediction id'),
]);

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null;

export const lifecycleInput = z.object({
  pipeline: pipelineRef.describe('the stored definition this run follows'),
  source: dataSource,
  sourceDigest: z.string().nullable().describe('the data\'s content hash when known before reading; null for queries'),
  dataVersion: z.string(),
  reason: z.string(),
  noCache: z.boolean().optional().describe('run every step even when a result for its cache key is recorded'),
  repair: z.object({ of: z.string(), attempt: z.number(), fromStep: z.string().nullable() }).optional().describe('set by the repair round'),
  resume: z.custom<RunCarry>(isObject).optional().describe('set by continue-as-new only: what the predecessor finished (never sent by a caller)'),
  continueAsNewAfterEvents: z.number().optional(),
});
sameType<z.infer<typeof lifecycleInput>, LifecycleInput>(true);

const batchScoreFormat = z.enum(['parquet', 'arrow']);
export const batchScoreInput = z.object({
  model: z.string().describe('the registered model\'s name'),
  version: z.number().optional().describe('absent: the champion when the run plans, pinned for the whole run'),
  source: z.string().describe('absolute path of the data (Parquet, CSV/TSV, JSON lines, JSON, Arrow IPC)'),
  output: z.string().describe('absolute path of the scored snapshot'),
  format: batchScoreFormat,
  chunkRows: z.number(),
});
sameType<z.infer<typeof batchScoreInput>, BatchScoreInput>(true);

export const batchScoreResult = z.object({
  model: z.string(), version: z.number(), rows: z.number(), chunks: z.number(), output: z.string(), format: batchScoreFormat,
  sha256: z.string().describe('sha256 of the output file'), seconds: z.number(),
});
sameType<z.infer<typeof batchScoreResult>, BatchScoreResult>(true);

export const WORKFLOW_INPUT_SCHEMAS: readonly ContractSchema[] = [
  { file: 'lifecycle-input', title: 'LifecycleInput', description: `The input of the workflow type "${LIFECYCLE_WORKFLOW}" (task queue "mlcycle").`, schema: lifecycleInput, io: 'input' },
  { file: 'batch-score-input', title: 'BatchScoreInput', description: `The input of the workflow type "${BATCH_SCORE_WORKFLOW}".`, schema: batchScoreInput, io: 'input' },
  { file: 'batch-score-result', title: 'BatchScoreResult', description: `The result of the workflow type "${BATCH_SCORE_WORKFLOW}".`, schema: batchScoreResult, io: 'output' },
];
