// The HTTP rollout API: read, start (by model name) and steer a model's rollout; the actor is the API token's subject.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { loadPipeline, PipelineError } from '../lib/config/pipeline.js';
import type { Db } from '../lib/store/db.js';
import { queuedRequests } from '../lib/store/rolloutRequests.js';
import { httpActor } from './actor.js';
import { ROLLOUT_COMMANDS, rolloutModelName, rolloutStartBody, rolloutSteerBody } from './apiSchemas.js';
import type { MlcycleConnection } from './client.js';
import { checkDefinitionInRoots, checkInRoots, OutsideRoots } from './dataRoots.js';
import { RolloutCommandError, rolloutState, startRolloutByName, steerRollout, type SteerKind } from './rollout.js';

const COMMANDS: readonly SteerKind[] = ROLLOUT_COMMANDS;

function parse<T>(schema: z.ZodType<T>, value: unknown, reply: FastifyReply): T | null {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  void reply.code(400).send({ error: 'BadInput', message: r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
  return null;
}

export function registerRolloutApi(app: FastifyInstance, conn: MlcycleConnection & { db: Db; dataRoots: string[] }): void {
  app.get<{ Params: { model: string } }>('/v1/rollouts/:model', async (request, reply) => {
    const model = parse(rolloutModelName, request.params.model, reply);
    if (model === null) return reply;
    const queued = await queuedRequests(conn.db, model);
    const state = await rolloutState(conn.client, model).catch((err: unknown) => {
      if (err instanceof RolloutCommandError) return null;
      throw err;
    });
    if (!state && queued.length === 0) return reply.code(404).send({ error: 'NotFound', message: `${model} has never had a rollout` });
    return { state, queued };
  });

  app.post<{ Params: { model: string } }>('/v1/rollouts/:model/start', async (request, reply) => {
    const model = parse(rolloutModelName, request.params.model, reply);
    const body = model === null ? null : parse(rolloutStartBody, request.body, reply);
    if (model === null || body === null) return reply;
    try {
      let pipelineFile: string | undefined;
      if (body.pipeline) {
        pipelineFile = await checkInRoots('pipeline', body.pipeline, conn.dataRoots);
        await checkDefinitionInRoots(await loadPipeline(pipelineFile), conn.dataRoots);
      }
      const r = await startRolloutByName(conn, {
        model, version: body.version, actor: httpActor(request.subject), reason: body.reason, pipelineFile, definitionVersion: body.definition, queue: body.queue === true,
      });
      return reply.code(202).send(r);
    } catch (err) {
      if (err instanceof OutsideRoots) return reply.code(err.statusCode).send({ error: err.statusCode === 403 ? 'Forbidden' : 'BadInput', message: err.message });
      if (err instanceof PipelineError) return reply.code(400).send({ error: 'BadInput', message: err.message });
      if (err instanceof RolloutCommandError) return reply.code(409).send({ error: 'Refused', message: err.message });
      throw err;
    }
  });

  app.post<{ Params: { model: string; command: string } }>('/v1/rollouts/:model/:command', async (request, reply) => {
    const model = parse(rolloutModelName, request.params.model, reply);
    if (model === null) return reply;
    const kind = COMMANDS.find((c) => c === request.params.command);
    if (!kind) return reply.code(404).send({ error: 'NotFound', message: `no rollout command "${request.params.command}" (one of ${COMMANDS.join(', ')}, or start)` });
    const body = parse(rolloutSteerBody, request.body, reply);
    if (body === null) return reply;
    if (kind === 'traffic' && body.traffic === undefined) return reply.code(400).send({ error: 'BadInput', message: 'traffic: the share in (0, 1] is required' });
    if (kind !== 'traffic' && body.traffic !== undefined) return reply.code(400).send({ error: 'BadInput', message: `traffic: only the traffic command takes a share, not ${kind}` });
    try {
      const state = await steerRollout(conn, model, kind, { actor: httpActor(request.subject), ...body });
      return { state };
    } catch (err) {
      if (err instanceof RolloutCommandError) return reply.code(409).send({ error: 'Refused', message: err.message });
      throw err;
    }
  });
}
