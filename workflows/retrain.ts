// Scheduled retraining: one lifecycle run per new data version of the source; the same data never trains twice.
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from './policies.js';
import { startLifecycleOnce } from './startOnce.js';
import { NON_RETRYABLE_TYPES } from '../contracts/failures.js';
import { lifecycleWorkflowId } from '../contracts/names.js';
import type { RetrainInput, RetrainResult } from '../contracts/retrain.js';

const { resolveRetrainSource } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  summary: 'what the retraining source holds',
});

/**
 * The run is a child (abandoned when this workflow ends): its start is a command in this history, so it happens once
 * even when this workflow's task is retried. REJECT_DUPLICATE: any earlier run of the same data version — running,
 * completed or failed — means nothing new; a failed one is the repair round's to restart, not the schedule's.
 */
export async function retrainWorkflow(input: RetrainInput): Promise<RetrainResult> {
  const found = await resolveRetrainSource(input);
  if (!found.found) {
    setCurrentDetails(`nothing new: ${found.reason}`);
    return { decision: 'nothing new', workflowId: null, dataVersion: null, reason: found.reason };
  }
  const workflowId = lifecycleWorkflowId(input.pipeline.name, found.dataVersion);
  const started = await startLifecycleOnce(
    workflowId,
    { pipeline: input.pipeline, source: found.source, sourceDigest: found.sourceDigest, dataVersion: found.dataVersion, reason: 'scheduled retraining' },
    `scheduled retraining of ${input.pipeline.name} on ${found.label}`,
  );
  if (!started) {
    const reason = `${found.label} (data version ${found.dataVersion}) already has its run ${workflowId}`;
    setCurrentDetails(`nothing new: ${reason}`);
    return { decision: 'nothing new', workflowId, dataVersion: found.dataVersion, reason };
  }
  setCurrentDetails(`started ${workflowId} on ${found.label}`);
  return { decision: 'started', workflowId, dataVersion: found.dataVersion, reason: `new data: ${found.label}` };
}
