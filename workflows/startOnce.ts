// Starts a lifecycle run as an abandoned child at most once per workflow id (REJECT_DUPLICATE): the monitor's
// retraining after a breach and scheduled retraining both go through here.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { TASK_QUEUE } from '../contracts/names.js';
import type { LifecycleInput } from '../contracts/types.js';
import { lifecycleWorkflow } from './lifecycle.js';

/** True when this call started the run; false when a run of that id exists already (running, completed or failed). */
export async function startLifecycleOnce(workflowId: string, input: LifecycleInput, staticSummary: string): Promise<boolean> {
  try {
    await startChild(lifecycleWorkflow, {
      workflowId,
      taskQueue: TASK_QUEUE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary,
      args: [input],
    });
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return false;
  }
}
