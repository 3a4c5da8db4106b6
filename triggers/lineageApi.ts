// The HTTP lineage API (operate role, as every route serving/auth.ts does not list): a model version's lineage, a snapshot's uses.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from '../lib/store/db.js';
import { modelLineage } from '../lib/store/lineage.js';
import { LineageNotFound, LineageRefError } from '../lib/store/lineageRefs.js';
import { snapshotLineage } from '../lib/store/lineageSnapshot.js';

async function answer(reply: FastifyReply, read: () => Promise<unknown>): Promise<unknown> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof LineageRefError) return reply.code(400).send({ error: 'BadInput', message: err.message });
    if (err instanceof LineageNotFound) return reply.code(404).send({ error: 'NotFound', message: err.message });
    throw err;
  }
}

export function registerLineageApi(app: FastifyInstance, conn: { db: Db }): void {
  /** GET /v1/lineage/models/cars-mpg@2 (the @ may be sent as %40). */
  app.get<{ Params: { ref: string } }>('/v1/lineage/models/:ref', async (request, reply) => answer(reply, () => modelLineage(conn.db, request.params.ref)));
  /** GET /v1/lineage/snapshots/<sha256 or a prefix of at least 8 hex digits>. */
  app.get<{ Params: { id: string } }>('/v1/lineage/snapshots/:id', async (request, reply) => answer(reply, () => snapshotLineage(conn.db, request.params.id)));
}
