// The HTTP approvals API: list what awaits approval, decide it; the token's subject is the actor and must hold the role named.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { Db } from '../lib/store/db.js';
import { httpActor } from './actor.js';
import { ApprovalError, decideApproval, findAwaiting, listAwaiting } from './approvals.js';
import type { MlcycleConnection } from './client.js';
import { approvalTarget, decideBody } from './apiSchemas.js';


function bad(reply: FastifyReply, issues: z.core.$ZodIssue[]): FastifyReply {
  return reply.code(400).send({ error: 'BadInput', message: issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
}

const errorName = { 403: 'Forbidden', 404: 'NotFound', 409: 'Refused' } as const;

export function registerApprovalApi(app: FastifyInstance, conn: MlcycleConnection & { db: Db }): void {
  app.get('/v1/approvals', async () => ({ approvals: await listAwaiting(conn.client) }));

  app.get<{ Params: { target: string } }>('/v1/approvals/:target', async (request, reply) => {
    const t = approvalTarget.safeParse(request.params.target);
    if (!t.success) return bad(reply, t.error.issues);
    try {
      return await findAwaiting(conn.client, t.data);
    } catch (err) {
      if (err instanceof ApprovalError) return reply.code(err.status).send({ error: errorName[err.status], message: err.message });
      throw err;
    }
  });

  app.post<{ Params: { target: string } }>('/v1/approvals/:target', async (request, reply) => {
    const t = approvalTarget.safeParse(request.params.target);
    if (!t.success) return bad(reply, t.error.issues);
    const body = decideBody.safeParse(request.body);
    if (!body.success) return bad(reply, body.error.issues);
    try {
      // Without tokens (loopback only) nobody holds a role: fail closed, refused and audited like a token without it.
      const state = await decideApproval(conn, {
        target: t.data, approve: body.data.decision === 'approve', actor: httpActor(request.subject), reason: body.data.reason, id: body.data.id,
        roles: request.roles ?? [], via: 'http',
      });
      return { approval: state };
    } catch (err) {
      if (err instanceof ApprovalError) return reply.code(err.status).send({ error: errorName[err.status], message: err.message });
      throw err;
    }
  });
}
