// Activity options from a planned step's policies: bounded retries, its timeouts and queue, and a summary for the Web UI.
import { ActivityCancellationType, proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { NON_RETRYABLE_TYPES } from '../contracts/failures.js';
import type { PlannedStep } from '../contracts/steps.js';

export type Activities = ReturnType<typeof createActivities>;

/** A step's retry policy as Temporal takes it: always bounded, never retrying the failure types declared final. */
function retryOf(step: Pick<PlannedStep, 'retry'>): RetryPolicy {
  return {
    maximumAttempts: step.retry.maximumAttempts,
    initialInterval: step.retry.initialIntervalSeconds * 1000,
    backoffCoefficient: step.retry.backoffCoefficient,
    maximumInterval: step.retry.maximumIntervalSeconds * 1000,
    nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
  };
}

export function activityOptions(step: Pick<PlannedStep, 'retry' | 'timeoutSeconds' | 'heartbeatSeconds' | 'taskQueue'>, summary: string): ActivityOptions {
  return {
    startToCloseTimeout: step.timeoutSeconds * 1000,
    heartbeatTimeout: step.heartbeatSeconds * 1000,
    ...(step.taskQueue ? { taskQueue: step.taskQueue } : {}),
    retry: retryOf(step),
    summary,
    // A failed sibling's cancellation is waited for: the run ends once its running steps have really stopped.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
}

/** The activities of one step, with its policies; `summary` names the step (and the trial) in the Web UI. */
export function stepActivities(step: Pick<PlannedStep, 'retry' | 'timeoutSeconds' | 'heartbeatSeconds' | 'taskQueue'>, summary: string): Activities {
  return proxyActivities<Activities>(activityOptions(step, summary));
}

/** The engine's own bookkeeping activities (plan, cache lookup, records): short, retried a bounded number of times. */
export function engineActivities(summary: string): Activities {
  return proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '20 seconds', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
    summary,
  });
}

/** A user step declared `local`: a local activity in the workflow's worker, with the step's retry bound and timeout. */
export function localStepActivities(step: Pick<PlannedStep, 'retry' | 'timeoutSeconds'>, summary: string): Activities {
  const o: LocalActivityOptions = {
    startToCloseTimeout: step.timeoutSeconds * 1000,
    retry: retryOf(step),
    summary,
    // The interpreter never cancels a local step (it lets it finish); a cancelled one would be abandoned at once.
    cancellationType: ActivityCancellationType.TRY_CANCEL,
  };
  return proxyLocalActivities<Activities>(o);
}

/** The v2 engine's bookkeeping (plan pages, memo, records) as local activities: database calls of milliseconds, no hand-off. */
export function engineLocal(summary: string): Activities {
  return proxyLocalActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '20 seconds', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
    summary,
  });
}
