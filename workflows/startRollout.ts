// Starts a model's rollout as an abandoned child under its fixed id: the lifecycle run ends, the rollout decides on its own.
import { rolloutWorkflowId } from '../contracts/names.js';
import type { RolloutInput } from '../contracts/rollout.js';
import type { StepOutputs } from '../contracts/steps.js';
import { rolloutWorkflow } from './rollout.js';
import { abandonedChild, startedOnce } from './startOnce.js';
import { startChild } from '@temporalio/workflow';

/** The rollout step's outputs: the challenger in its first stage, or held when another rollout of the model runs. */
export async function startRolloutChild(input: RolloutInput, championVersion: number, monitorScheduleId: string): Promise<StepOutputs> {
  const workflowId = rolloutWorkflowId(input.model);
  const subject = `${input.model}@${input.challenger.version}`;
  const first = input.policy.stages[0];
  const summary = `rollout of ${subject}: ${input.policy.stages.map((s) => s.name).join(' → ')}`;
  const started = await startedOnce(startChild(rolloutWorkflow, { ...abandonedChild(workflowId, 'ALLOW_DUPLICATE', summary), args: [input] }));
  if (!started) return { deployment: null, summary: `${subject} is registered, not served: another rollout (${workflowId}) is running` };
  return {
    deployment: {
      role: 'challenger', championVersion, challengerVersion: input.challenger.version, stage: first.name, challengerWeight: first.traffic,
      rolloutWorkflowId: workflowId, monitorScheduleId,
    },
    summary: `${subject} in rollout: ${first.name} on ${Math.round(first.traffic * 1000) / 10}% (${workflowId})`,
  };
}
