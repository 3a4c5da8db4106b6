// The monitor workflow, started by a schedule: one window of drift per run; a breach starts one retraining run.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { lifecycleWorkflow } from './lifecycle.js';
import type { Activities } from './policies.js';
import { NON_RETRYABLE_TYPES } from '../contracts/failures.js';
import { TASK_QUEUE, lifecycleWorkflowId, retrainDataVersion } from '../contracts/names.js';
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
  try {
    await startChild(lifecycleWorkflow, {
      workflowId,
      taskQueue: TASK_QUEUE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `retrain ${input.pipeline.name}: drift breach in window up to prediction ${window.toPredictionId}`,
      args: [
        {
          pipeline: input.pipeline,
          source: { kind: 'feedback', modelName: input.pipeline.name, upToPredictionId: window.toPredictionId },
          sourceDigest: dataVersion,
          dataVersion,
          reason: `monitor breach: ${window.reasons.join('; ')}`,
        },
      ],
    });
  } catch (err) {
    // The same breach already started its run: that is the one retraining run for it.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return { window, retrainWorkflowId: workflowId };
}
