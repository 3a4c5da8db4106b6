// The built-in `rollout` step: a blessed version serves as champion, or enters a rollout (a child workflow) that decides its fate.
import { monitorScheduleId } from '../../contracts/names.js';
import type { StepOutputs } from '../../contracts/steps.js';
import { stepActivities } from '../policies.js';
import { startRolloutChild } from '../startRollout.js';
import { need, type StepRun } from './run.js';

export async function runRollout(r: StepRun): Promise<StepOutputs> {
  const { input, step, runId } = r;
  const model = need(r, 'model');
  // Fail closed: an unblessed model is never served (the activity checks the registry again).
  if (!model.blessed) return { deployment: null, summary: `${model.name}@${model.version} not deployed: ${model.gateReason}` };
  r.report(`serving ${model.name}@${model.version}`);
  const plan = await stepActivities(step, step.id).planDeployment({ runId, pipeline: input.pipeline, model, reason: input.reason });
  if (plan.action === 'champion') return { deployment: plan.deployment, summary: `${model.name}@${model.version} serves as champion` };
  if (plan.action === 'hold') return { deployment: null, summary: plan.reason };
  if (plan.action === 'requested') return { deployment: plan.deployment, summary: plan.summary };
  return startRolloutChild(plan.input, plan.championVersion, monitorScheduleId(input.pipeline.name));
}
