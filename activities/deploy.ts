// The deploy step: serve the version (champion if none, else challenger on the configured split). Schedules are not its business.
import { deployVersion, getModelVersion } from '../lib/store/models.js';
import { failure } from '../contracts/failures.js';
import { definitionOf } from './definitions.js';
import { monitorScheduleId } from '../contracts/names.js';
import type { DeployInput, DeployResult } from '../contracts/types.js';
import type { ActivityDeps } from './deps.js';

export function createDeployActivities(deps: ActivityDeps) {
  return {
    async deployModel(input: DeployInput): Promise<DeployResult> {
      const pipeline = await definitionOf(deps, input.pipeline);
      // Fail closed: only a registered version whose recorded gate verdict blessed it is ever served.
      const registered = await getModelVersion(deps.db, input.model.name, input.model.version);
      if (registered?.card.gate?.blessed !== true || registered.sha256 !== input.model.sha256) {
        throw failure('NotDeployable', `${input.model.name}@${input.model.version} is not a registered, blessed version with sha256 ${input.model.sha256.slice(0, 12)}: not deployed`);
      }
      const { role, deployment } = await deployVersion(deps.db, input.model.name, input.model.version, pipeline.deploy.challengerWeight, input.reason);
      return {
        role,
        championVersion: deployment.championVersion,
        challengerVersion: deployment.challengerVersion,
        challengerWeight: deployment.challengerWeight,
        // The id of the model's monitor schedule, which `mlcycle schedules apply` keeps (deploy creates none).
        monitorScheduleId: monitorScheduleId(pipeline.name),
      };
    },
  };
}
