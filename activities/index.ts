// All activities of the worker, built from their dependencies.
import { createApprovalActivities } from './approval.js';
import { createBatchScoreActivities } from './batchScore.js';
import { createBatchScoreOutputActivities } from './batchScoreOutput.js';
import type { ActivityDeps } from './deps.js';
import { createDeployActivities } from './deploy.js';
import { createEngineActivities } from './engine.js';
import { createEngineScaleActivities } from './engineScale.js';
import { createIncidentActivities } from './incidents.js';
import { createIngestActivities } from './ingest.js';
import { createMonitorActivities } from './monitor.js';
import { createOptimizeActivities } from './optimize.js';
import { createPackageActivities } from './package.js';
import { createRepairActivities } from './repair.js';
import { createRetrainActivities } from './retrain.js';
import { createRolloutActivities } from './rollout.js';
import { createRolloutRequestActivities } from './rolloutRequests.js';
import { createUserStepActivities } from './userStep.js';
import { createValidateActivities } from './validate.js';

export type { ActivityDeps };

export function createActivities(deps: ActivityDeps) {
  return {
    ...createEngineActivities(deps),
    ...createEngineScaleActivities(deps),
    ...createUserStepActivities(deps),
    ...createIngestActivities(deps),
    ...createValidateActivities(deps),
    ...createOptimizeActivities(deps),
    ...createPackageActivities(deps),
    ...createDeployActivities(deps),
    ...createMonitorActivities(deps),
    ...createIncidentActivities(deps),
    ...createRepairActivities(deps),
    ...createRetrainActivities(deps),
    ...createRolloutActivities(deps),
    ...createRolloutRequestActivities(deps),
    ...createBatchScoreActivities(deps),
    ...createBatchScoreOutputActivities(deps),
    ...createApprovalActivities(deps),
  };
}
