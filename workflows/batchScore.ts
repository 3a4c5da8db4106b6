// Batch scoring: plan (pin the version, check columns), score chunks two at a time (each once), assemble the scored snapshot.
import { proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from './policies.js';
import { NON_RETRYABLE_TYPES } from '../contracts/failures.js';
import { CHUNK_PARALLELISM, batchScoreProgressQuery, type BatchScoreInput, type BatchScoreProgress, type BatchScoreResult } from '../contracts/batchScore.js';

const retry = { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_TYPES };

const { planBatchScore } = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '30 seconds', retry, summary: 'plan: pin the version, read and check the data' });
// A lost worker is noticed by its missing heartbeats; the chunk then runs again elsewhere (or comes back from Postgres).
// Not eager: eager dispatch hands each next chunk to the worker that ran the workflow task, so one worker would score
// them all; from the task queue, every polling worker takes its share.
const { scoreChunk } = proxyActivities<Activities>({
  startToCloseTimeout: '20 minutes', heartbeatTimeout: '10 seconds', retry, summary: 'score a chunk', allowEagerDispatch: false,
});
const { assembleBatchScore } = proxyActivities<Activities>({ startToCloseTimeout: '1 hour', heartbeatTimeout: '30 seconds', retry, summary: 'write the scored snapshot' });

/**
 * History stays small: each chunk is one activity whose input is the plan (references only) and whose result is three
 * numbers, about 6 events per chunk; plans are refused beyond MAX_CHUNKS (5,000, ~30,000 events), so no continue-as-new.
 */
export async function batchScoreWorkflow(input: BatchScoreInput): Promise<BatchScoreResult> {
  const startedAt = Date.now();
  const progress: BatchScoreProgress = { phase: 'planning', model: input.model, version: input.version ?? null, rows: 0, chunks: 0, chunksDone: 0, rowsDone: 0 };
  setHandler(batchScoreProgressQuery, () => progress);
  const plan = await planBatchScore({ jobId: workflowInfo().workflowId, input });
  Object.assign(progress, { phase: 'scoring', version: plan.version, rows: plan.rows, chunks: plan.chunks });
  setCurrentDetails(`${plan.model}@${plan.version}: ${plan.rows} rows in ${plan.chunks} chunks`);

  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < plan.chunks) {
      const chunk = next++;
      const done = await scoreChunk({ plan, chunk });
      progress.chunksDone++;
      progress.rowsDone += done.rows;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHUNK_PARALLELISM, plan.chunks) }, lane));

  progress.phase = 'writing';
  const result = await assembleBatchScore({ plan, input: { ...input, version: plan.version }, startedAt });
  progress.phase = 'done';
  setCurrentDetails(`${result.rows} rows scored with ${plan.model}@${plan.version} → ${result.output}`);
  return result;
}
