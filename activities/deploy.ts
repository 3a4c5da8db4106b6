// The rollout step's first activity: a model's first version serves as champion at once; a later one gets a rollout plan.
import { deployVersion, getDeployment, getModelVersion } from '../lib/store/models.js';
import { rolloutTarget, runningRollout } from '../lib/store/rollouts.js';
import { failure } from '../contracts/failures.js';
import { definitionOf } from './definitions.js';
import { monitorScheduleId, rolloutWorkflowId } from '../contracts/names.js';
import type { DeployInput, DeployResult } from '../contracts/types.js';
import type { RolloutInput } from '../contracts/rollout.js';
import type { ActivityDeps } from './deps.js';

/** champion: served; rollout: start the rollout workflow with this input; hold: not served, and why. */
export type DeployPlan = { action: 'champion'; deployment: DeployResult } | { action: 'rollout'; input: RolloutInput; championVersion: number } | { action: 'hold'; reason: string };

export function createDeployActivities(deps: ActivityDeps) {
  return {
    async planDeployment(input: DeployInput): Promise<DeployPlan> {
      const pipeline = await definitionOf(deps, input.pipeline);
      const { name, version, sha256 } = input.model;
      // Fail closed: only a registered version whose recorded gate verdict blessed it is ever served.
      const registered = await getModelVersion(deps.db, name, version);
      if (registered?.card.gate?.blessed !== true || registered.sha256 !== sha256) {
        throw failure('NotDeployable', `${name}@${version} is not a registered, blessed version with sha256 ${sha256.slice(0, 12)}: not deployed`);
      }
      const current = await getDeployment(deps.db, name);
      if (!current || current.championVersion === version) {
        const { deployment } = await deployVersion(deps.db, name, version, 0, input.reason);
        return {
          action: 'champion',
          deployment: {
            role: 'champion', championVersion: deployment.championVersion, challengerVersion: deployment.challengerVersion, stage: null, challengerWeight: 0,
            rolloutWorkflowId: null, monitorScheduleId: monitorScheduleId(pipeline.name),
          },
        };
      }
      if (!pipeline.rollout) {
        return { action: 'hold', reason: `${name}@${version} is registered, not served: the definition has no "rollout" section (no minEffect, no promotion: fail closed)` };
      }
      const running = await runningRollout(deps.db, name);
      if (running) return { action: 'hold', reason: `${name}@${version} is registered, not served: the rollout of v${running.challengerVersion} (${rolloutWorkflowId(name)}) must end first` };
      const found = await rolloutTarget(deps.db, name, version, sha256);
      if ('problem' in found) throw failure('NotDeployable', `${found.problem}: not rolled out`);
      return {
        action: 'rollout',
        input: {
          model: name, challenger: { version, sha256 }, task: found.task, policy: pipeline.rollout,
          disagreementTolerance: found.disagreementTolerance, pipeline: input.pipeline, startedBy: input.runId, reason: input.reason,
        },
        championVersion: current.championVersion,
      };
    },
  };
}
