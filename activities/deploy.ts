// The rollout step's first activity: a model's first version serves as champion at once; a later one gets a rollout plan.
import { deployVersion, getDeployment, getModelVersion } from '../lib/store/models.js';
import { RolloutConflict } from '../lib/store/rollouts.js';
import { AlreadyInRollout } from '../lib/store/rolloutRequests.js';
import { failure } from '../contracts/failures.js';
import { storedDefinitionOf } from './definitions.js';
import { requestRollout } from './rolloutRequests.js';
import { monitorScheduleId, rolloutWorkflowId } from '../contracts/names.js';
import type { DeployInput, DeployResult } from '../contracts/types.js';
import type { RolloutInput } from '../contracts/rollout.js';
import type { ActivityDeps } from './deps.js';

/**
 * champion: served; requested: a rollout was requested (starting now, or queued behind the running one); hold: not served,
 * and why. (rollout: start the rollout workflow with this input — what older code planned; kept for their histories.)
 */
export type DeployPlan =
  | { action: 'champion'; deployment: DeployResult }
  | { action: 'requested'; deployment: DeployResult | null; summary: string }
  | { action: 'rollout'; input: RolloutInput; championVersion: number }
  | { action: 'hold'; reason: string };

export function createDeployActivities(deps: ActivityDeps) {
  return {
    async planDeployment(input: DeployInput): Promise<DeployPlan> {
      const stored = await storedDefinitionOf(deps, input.pipeline);
      const pipeline = stored.definition;
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
      // Another version's rollout may be running: this one queues behind it (or supersedes it, as the definition says).
      const mode = pipeline.rollout.whenBusy ?? 'queue';
      const request = { modelName: name, version, sha256, definition: { name: stored.name, version: stored.version }, requestedBy: input.runId, reason: input.reason };
      let r;
      try {
        r = await requestRollout({ db: deps.db, temporal: deps.temporal }, request, mode);
      } catch (err) {
        if (!(err instanceof RolloutConflict)) throw err;
        if (err instanceof AlreadyInRollout) return { action: 'hold', reason: err.message };
        throw failure('NotDeployable', `${err.message}: not rolled out`);
      }
      const workflowId = rolloutWorkflowId(name);
      const first = r.input.policy.stages[0];
      if (!r.starting) {
        const behind = r.running ? `the rollout of v${r.running.challengerVersion}` : 'an earlier queued version';
        const how = mode === 'supersede' ? `superseding ${behind} (rolled back), it starts next` : `queued behind ${behind} (position ${r.position}): it starts when that one ends`;
        return { action: 'requested', deployment: null, summary: `${name}@${version} is registered, not served yet: ${how} (${workflowId})` };
      }
      return {
        action: 'requested',
        deployment: {
          role: 'challenger', championVersion: current.championVersion, challengerVersion: version, stage: first.name, challengerWeight: first.traffic,
          rolloutWorkflowId: workflowId, monitorScheduleId: monitorScheduleId(pipeline.name),
        },
        summary: `${name}@${version} in rollout: ${first.name} on ${Math.round(first.traffic * 1000) / 10}% (${workflowId}; policy of definition ${stored.name}@${stored.version})`,
      };
    },
  };
}
