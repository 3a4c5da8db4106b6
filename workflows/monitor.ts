// The monitor workflow, started by a schedule: one window of drift per run; a breach starts one retraining run.
import { proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from './policies.js';
import { startLifecycleOnce } from './startOnce.js';
import { NON_RETRYABLE_TYPES } from '../contracts/failures.js';
import { lifecycleWorkflowId, retrainDataVersion } from '../contracts/names.js';
import type { MonitorInput, MonitorResult } from '../contracts/types.js';


const { computeMonitorWindow } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  summary: 'drift and quality of one window',
});

export async function monitorWorkflow(input: MonitorInput): Promise<MonitorResult> {
  const window = await computeMonitorWindow({ monitorRunId: workflowInfo().workflowId, pipeline: input.pipeline });
  if (!window.evaluated) {
    setCurrentDetails(`window (${window.fromPredictionId}, ${window.toPredictionId}]: ${window.rows} rows, too few to judge`);
    return { window, retrainWorkflowId: null };
  }
  setCurrentDetails(
    `window (${window.fromPredictionId}, ${window.toPredictionId}]: ${window.rows} rows — ` +
      (window.breached ? `**breach**: ${window.reasons.join('; ')}` : 'within policy') +
      `\n\nreport: ${window.reportHtml ?? window.reportUri}`,
  );
  if (!window.breached || !window.retrainEnabled) return { window, retrainWorkflowId: null };

  const dataVersion = retrainDataVersion(window.toPredictionId);
  const workflowId = lifecycleWorkflowId(input.pipeline.name, dataVersion);
  // An existing run of this id is the one retraining run for this breach (the monitor run retried, or run again).
  await startLifecycleOnce(
    workflowId,
    {
      pipeline: input.pipeline,
      source: { kind: 'feedback', modelName: input.pipeline.name, upToPredictionId: window.toPredictionId },
      sourceDigest: dataVersion,
      dataVersion,
      reason: `monitor breach: ${window.reasons.join('; ')}`,
    },
    `retrain ${input.pipeline.name}: drift breach in window up to prediction ${window.toPredictionId}`,
  );
  return { window, retrainWorkflowId: workflowId };
}
