// Starts a run as an abandoned child at most once per workflow id: retraining (monitor breach, schedule) and rollouts.
import { WorkflowExecutionAlreadyStartedError, type WorkflowIdReusePolicy } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { TASK_QUEUE } from '../contracts/names.js';
import type { LifecycleInput } from '../contracts/types.js';
import { lifecycleWorkflow } from './lifecycle.js';

/** The child outlives this run (ABANDON) and is started only as the reuse policy allows. */
export function abandonedChild(workflowId: string, reuse: WorkflowIdReusePolicy, staticSummary: string) {
  return { workflowId, taskQueue: TASK_QUEUE, parentClosePolicy: ParentClosePolicy.ABANDON, workflowIdReusePolicy: reuse, staticSummary };
}

/** True when the start went through; false when a run of that id is in the way. */
export async function startedOnce(start: Promise<unknown>): Promise<boolean> {
  try {
    await start;
    return true;
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return false;
  }
}

/** A lifecycle run with REJECT_DUPLICATE: false when a run of that id exists already (running, completed or failed). */
export function startLifecycleOnce(workflowId: string, input: LifecycleInput, staticSummary: string): Promise<boolean> {
  return startedOnce(startChild(lifecycleWorkflow, { ...abandonedChild(workflowId, 'REJECT_DUPLICATE', staticSummary), args: [input] }));
}
