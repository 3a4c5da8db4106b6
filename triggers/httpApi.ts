// The HTTP start API: other services start lifecycle runs and read their state over HTTP (and steer rollouts: rolloutApi.ts).
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { PipelineError } from '../lib/config/pipeline.js';
import { progressQuery, progressSinceQuery } from '../contracts/names.js';
import { audit } from '../lib/store/models.js';
import { EXAMPLES_DIR, startLifecycle, type MlcycleConnection } from './client.js';
import { loadPipeline } from '../lib/config/pipeline.js';
import { checkDefinitionInRoots, checkInRoots, OutsideRoots } from './dataRoots.js';
import { join } from 'node:path';
import type { Db } from '../lib/store/db.js';
import { registerRolloutApi } from './rolloutApi.js';
import { registerApprovalApi } from './approvalApi.js';
import { registerLineageApi } from './lineageApi.js';
import { startRunBody } from './apiSchemas.js';
import { describeRoutes } from '../serving/openapi.js';
import { START_API_ROUTES } from './startApiRoutes.js';


/** A pipeline named by an example's name, or a file below the data roots; its data and modules below them too. */
async function pipelineFor(ref: string, roots: readonly string[]) {
  const file = /^[a-z0-9-]+$/.test(ref) ? join(EXAMPLES_DIR, ref, 'pipeline.json') : ref;
  const pipeline = await loadPipeline(await checkInRoots('pipeline', file, roots));
  await checkDefinitionInRoots(pipeline, roots);
  return pipeline;
}

export function registerStartApi(app: FastifyInstance, conn: MlcycleConnection & { db: Db; dataRoots: string[] }): void {
  const { client } = conn;
  // Every route below is described for /openapi.json; one without a description fails the server's start (serving/openapi.ts).
  describeRoutes(app, START_API_ROUTES);
  registerRolloutApi(app, conn);
  registerApprovalApi(app, conn);
  registerLineageApi(app, conn);
  app.post('/v1/runs', async (request, reply) => {
    const body = startRunBody.safeParse(request.body);
    if (!body.success) {
      const message = body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      return reply.code(400).send({ error: 'BadInput', message });
    }
    try {
      const pipeline = await pipelineFor(body.data.pipeline, conn.dataRoots);
      const dataPath = body.data.dataPath ? await checkInRoots('dataPath', body.data.dataPath, conn.dataRoots) : undefined;
      const reason = `${body.data.reason ?? 'started over HTTP'} (by ${request.subject})`;
      const run = await startLifecycle(conn, pipeline, { ...body.data, dataPath, reason });
      await audit(conn.db, request.subject, 'start_run', run.workflowId, { pipeline: pipeline.name, dataPath: dataPath ?? null, reason });
      return reply.code(202).send({ workflowId: run.workflowId, runId: run.runId });
    } catch (err) {
      if (err instanceof OutsideRoots) return reply.code(err.statusCode).send({ error: err.statusCode === 403 ? 'Forbidden' : 'BadInput', message: err.message });
      if (err instanceof PipelineError) return reply.code(400).send({ error: 'BadInput', message: err.message });
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        return reply.code(409).send({ error: 'AlreadyStarted', message: `a run for this data exists: ${err.workflowId} (pass "rerun": true to run again)` });
      }
      if (err instanceof Error && err.message.startsWith('cannot read data file')) return reply.code(400).send({ error: 'BadInput', message: err.message });
      throw err;
    }
  });

  // `?since=<seq>`: the changes after a follower's cursor (counts, running steps, events), bounded however large the run.
  app.get<{ Params: { workflowId: string }; Querystring: { since?: string } }>('/v1/runs/:workflowId', async (request, reply) => {
    const handle = client.workflow.getHandle(request.params.workflowId);
    const raw = request.query.since;
    const since = raw === undefined ? null : Number(raw);
    if (since !== null && (!Number.isInteger(since) || since < 0)) return reply.code(400).send({ error: 'BadInput', message: `since: must be an event number ≥ 0, got "${raw}"` });
    try {
      const description = await handle.describe();
      const running = description.status.name === 'RUNNING';
      const progress = !running ? null : since === null ? await handle.query(progressQuery) : await handle.query(progressSinceQuery, since);
      return { workflowId: request.params.workflowId, status: description.status.name, progress };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return reply.code(404).send({ error: 'NotFound', message: `no run ${request.params.workflowId}` });
      throw err;
    }
  });
}
