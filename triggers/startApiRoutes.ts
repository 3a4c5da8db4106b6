// The start API's routes (runs, rollouts, approvals, lineage) as the OpenAPI document describes them; the bodies are the routes' zod schemas.
import { z } from 'zod';
import type { RouteSpec } from '../serving/routeSpec.js';
import type { AwaitingApproval } from './approvals.js';
import type { StartedByName } from './rollout.js';
import { approvalRequest } from './schemas/approval.js';
import { sameType } from './schemas/same.js';
import { rolloutState } from './schemas/rollout.js';
import { approvalTarget, decideBody, ROLLOUT_COMMANDS, rolloutModelName, rolloutStartBody, rolloutSteerBody, startRunBody } from './apiSchemas.js';

const anyObject = z.object({}).catchall(z.unknown());
const awaiting = z.object({ workflowId: z.string(), runId: z.string(), workflowType: z.string(), request: approvalRequest });
sameType<z.infer<typeof awaiting>, AwaitingApproval>(true);
const rolloutStarted = z.object({
  workflowId: z.string(), definition: z.string().describe('name@version of the stored definition its policy comes from'), definitionSource: z.string(),
  outcome: z.enum(['started', 'queued']), behind: z.number().nullable().describe('queued: the version whose rollout runs ahead of it'), position: z.number(), stages: z.array(z.string()),
});
sameType<z.infer<typeof rolloutStarted>, StartedByName>(true);
const started = z.object({ workflowId: z.string(), runId: z.string() });

export const START_API_ROUTES: readonly RouteSpec[] = [
  {
    method: 'POST', url: '/v1/runs', tag: 'runs', summary: 'Start a lifecycle run', body: startRunBody, errors: [400, 403, 409, 413],
    response: { status: 202, description: 'started: the run\'s workflow id and run id', schema: started },
  },
  {
    method: 'GET', url: '/v1/runs/:workflowId', tag: 'runs', summary: 'A run\'s status and progress', errors: [400, 404],
    query: { since: z.string().regex(/^\d+$/).optional().describe('an event number: only the changes after it (a follower\'s cursor)') },
    response: { status: 200, description: 'status, and the progress while it runs', schema: z.object({ workflowId: z.string(), status: z.string(), progress: anyObject.nullable() }) },
  },
  {
    method: 'GET', url: '/v1/rollouts/:model', tag: 'rollouts', summary: 'A model\'s rollout and its queued requests', params: { model: rolloutModelName }, errors: [400, 404],
    response: { status: 200, description: 'the rollout\'s state (null when none runs) and the queue', schema: z.object({ state: rolloutState.nullable(), queued: z.array(anyObject) }) },
  },
  {
    method: 'POST', url: '/v1/rollouts/:model/start', tag: 'rollouts', summary: 'Start (or queue) a rollout of a registered version', params: { model: rolloutModelName }, body: rolloutStartBody,
    errors: [400, 403, 409, 413], response: { status: 202, description: 'started or queued', schema: rolloutStarted },
  },
  {
    method: 'POST', url: '/v1/rollouts/:model/:command', tag: 'rollouts', summary: 'Steer a rollout: promote, rollback, pause, resume, traffic',
    params: { model: rolloutModelName, command: z.enum(ROLLOUT_COMMANDS) }, body: rolloutSteerBody, errors: [400, 404, 409, 413],
    response: { status: 200, description: 'the rollout\'s state after the command', schema: z.object({ state: rolloutState }) },
  },
  { method: 'GET', url: '/v1/approvals', tag: 'approvals', summary: 'What awaits approval', errors: [], response: { status: 200, description: 'the awaiting approvals', schema: z.object({ approvals: z.array(awaiting) }) } },
  {
    method: 'GET', url: '/v1/approvals/:target', tag: 'approvals', summary: 'What awaits approval for a model or a run', params: { target: approvalTarget }, errors: [400, 403, 404, 409],
    response: { status: 200, description: 'the awaiting approval', schema: awaiting },
  },
  {
    method: 'POST', url: '/v1/approvals/:target', tag: 'approvals', summary: 'Approve or reject (the token must hold the role the approval names)', params: { target: approvalTarget }, body: decideBody,
    errors: [400, 403, 404, 409, 413], response: { status: 200, description: 'the approval\'s state after the decision', schema: z.object({ approval: approvalRequest }) },
  },
  {
    method: 'GET', url: '/v1/lineage/models/:ref', tag: 'lineage', summary: 'A model version\'s lineage (name@version; the @ may be sent as %40)', errors: [400, 404],
    response: { status: 200, description: 'its data, code, runs and deployments', schema: anyObject },
  },
  {
    method: 'GET', url: '/v1/lineage/snapshots/:id', tag: 'lineage', summary: 'Where a data snapshot was used (its sha256, or a prefix of 8+ hex digits)', errors: [400, 404],
    response: { status: 200, description: 'the runs and models that used it', schema: anyObject },
  },
];
