// Starts a model's rollout as an abandoned child under its fixed id: the lifecycle run ends, the rollout decides on its own.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { rolloutWorkflowId, TASK_QUEUE } from '../contracts/names.js';
import type { RolloutInput } from '../contracts/rollout.js';
import type { StepOutputs } from '../contracts/steps.js';
import { rolloutWorkflow } from './rollout.js';

export async function startRollout(input: RolloutInput, championVersion: number, monitorScheduleId: string): Promise<StepOutputs> {
  const workflowId = rolloutWorkflowId(input.model);
  const subject = `${input.model}@${input.challenger.version}`;
  const first = input.policy.stages[0];
  try {
    await startChild(rolloutWorkflow, {
      workflowId,
      taskQueue: TASK_QUEUE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `rollout of ${subject}: ${input.policy.stages.map((s) => s.name).join(' → ')}`,
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { deployment: null, summary: `${subject} is registered, not served: another rollout (${workflowId}) is running` };
  }
  return {
    deployment: {
      role: 'challenger', championVersion, challengerVersion: input.challenger.version, stage: first.name, challengerWeight: first.traffic,
      rolloutWorkflowId: workflowId, monitorScheduleId,
    },
    summary: `${subject} in rollout: ${first.name} on ${Math.round(first.traffic * 1000) / 10}% (${workflowId})`,
  };
}
