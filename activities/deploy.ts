// The deploy step: serve the version (champion if none, else challenger on the configured split), schedule its monitor.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { deployVersion, getModelVersion } from '../lib/store/models.js';
import { failure } from '../contracts/failures.js';
import { definitionOf } from './definitions.js';
import { MONITOR_WORKFLOW, monitorScheduleId } from '../contracts/names.js';
import type { DeployInput, DeployResult, MonitorInput, PipelineDefinition, PipelineRef } from '../contracts/types.js';
import type { ActivityDeps } from './deps.js';

/** Creates the model's monitor schedule, or updates its interval and pipeline if it exists. */
export async function ensureMonitorSchedule(deps: ActivityDeps, ref: PipelineRef, pipeline: PipelineDefinition): Promise<string> {
  const scheduleId = monitorScheduleId(pipeline.name);
  const args: [MonitorInput] = [{ pipeline: ref }];
  const spec = { intervals: [{ every: `${pipeline.monitor.intervalSeconds}s` as const }] };
  try {
    await deps.temporal.schedule.create({
      scheduleId,
      spec,
      action: { type: 'startWorkflow', workflowType: MONITOR_WORKFLOW, workflowId: `monitor:${pipeline.name}`, taskQueue: deps.taskQueue, args },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      state: { note: `drift monitor of ${pipeline.name}, every ${pipeline.monitor.intervalSeconds}s` },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await deps.temporal.schedule.getHandle(scheduleId).update((prev) => ({
      ...prev,
      spec,
      action: { ...prev.action, type: 'startWorkflow', workflowType: MONITOR_WORKFLOW, args },
    }));
  }
  return scheduleId;
}

export function createDeployActivities(deps: ActivityDeps) {
  return {
    async deployModel(input: DeployInput): Promise<DeployResult> {
      const pipeline = await definitionOf(deps, input.pipeline);
      // Fail closed: only a registered version whose recorded gate verdict blessed it is ever served.
      const registered = await getModelVersion(deps.db, input.model.name, input.model.version);
      if (registered?.card.gate?.blessed !== true || registered.sha256 !== input.model.sha256) {
        throw failure('BadDefinition', `${input.model.name}@${input.model.version} is not a registered, blessed version with sha256 ${input.model.sha256.slice(0, 12)}: not deployed`);
      }
      const { role, deployment } = await deployVersion(deps.db, input.model.name, input.model.version, pipeline.deploy.challengerWeight, input.reason);
      const scheduleId = await ensureMonitorSchedule(deps, input.pipeline, pipeline);
      return {
        role,
        championVersion: deployment.championVersion,
        challengerVersion: deployment.challengerVersion,
        challengerWeight: deployment.challengerWeight,
        monitorScheduleId: scheduleId,
      };
    },
  };
}
