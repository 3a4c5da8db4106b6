// Rollout requests in Postgres: a version waits (queued) behind a model's running rollout and starts when it ends.
import type { Db, Queryable } from './db.js';
import { inTransaction } from './db.js';
import { RolloutConflict, runningRollout, type RolloutRow } from './rollouts.js';

export type RolloutRequestStatus = 'queued' | 'started' | 'superseded' | 'dropped';

export interface RolloutRequestRow {
  id: number;
  modelName: string;
  version: number;
  sha256: string;
  /** The stored definition version the rollout's policy comes from. */
  definition: { name: string; version: string };
  requestedBy: string;
  reason: string;
  status: RolloutRequestStatus;
  note: string | null;
  runId: string | null;
  requestedAt: string;
}

export type NewRolloutRequest = Pick<RolloutRequestRow, 'modelName' | 'version' | 'sha256' | 'definition' | 'requestedBy' | 'reason'>;

/** start: refused while another rollout runs; queue: waits for it to end; supersede: replaces it (and older queued ones). */
export type RequestMode = 'start' | 'queue' | 'supersede';

const COLUMNS = `id, model_name AS "modelName", version, sha256, json_build_object('name', definition_name, 'version', definition_version) AS definition,
  requested_by AS "requestedBy", reason, status, note, run_id AS "runId",
  to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "requestedAt"`;

/** The version asked for is the one in rollout already. */
export class AlreadyInRollout extends RolloutConflict {
  override name = 'AlreadyInRollout';
}

export interface Enqueued {
  request: RolloutRequestRow;
  /** The rollout running when the request was made (the request waits for it, or supersedes it); null when none ran. */
  running: RolloutRow | null;
  /** The request's place in the model's queue (1: next). */
  position: number;
  /** Requests this one replaced (mode supersede). */
  superseded: RolloutRequestRow[];
}

/**
 * Records the request (the latest request for a version already queued replaces its definition, requester and reason).
 * Refused when that version is in rollout already, and in mode `start` when another version's rollout runs.
 */
export async function enqueueRollout(db: Db, r: NewRolloutRequest, mode: RequestMode): Promise<Enqueued> {
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`deploy:${r.modelName}`]);
    const running = await runningRollout(tx, r.modelName);
    if (running?.challengerVersion === r.version) {
      throw new AlreadyInRollout(`${r.modelName}@${r.version} is in rollout already (${running.workflowId}, stage ${running.stage})`);
    }
    if (running && mode === 'start') {
      throw new RolloutConflict(
        `a rollout of ${r.modelName}@${running.challengerVersion} is running (${running.workflowId}): it must end first, or queue v${r.version} to start when it ends`,
      );
    }
    const superseded = mode !== 'supersede' ? [] : (await tx.query<RolloutRequestRow>(
      `UPDATE rollout_requests SET status = 'superseded', note = $3, ended_at = now()
        WHERE model_name = $1 AND status = 'queued' AND version <> $2 RETURNING ${COLUMNS}`,
      [r.modelName, r.version, `superseded by v${r.version} (requested by ${r.requestedBy})`],
    )).rows;
    const request = (await tx.query<RolloutRequestRow>(
      `INSERT INTO rollout_requests (model_name, version, sha256, definition_name, definition_version, requested_by, reason, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued')
       ON CONFLICT (model_name, version) WHERE status = 'queued'
       DO UPDATE SET sha256 = $3, definition_name = $4, definition_version = $5, requested_by = $6, reason = $7
       RETURNING ${COLUMNS}`,
      [r.modelName, r.version, r.sha256, r.definition.name, r.definition.version, r.requestedBy, r.reason],
    )).rows[0];
    const ahead = await tx.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM rollout_requests WHERE model_name = $1 AND status = 'queued' AND id <= $2", [r.modelName, request.id]);
    return { request, running, position: ahead.rows[0].n, superseded };
  });
}

/** A model's queued requests, oldest (next) first. */
export async function queuedRequests(db: Queryable, modelName?: string): Promise<RolloutRequestRow[]> {
  const res = await db.query<RolloutRequestRow>(
    `SELECT ${COLUMNS} FROM rollout_requests WHERE status = 'queued' ${modelName ? 'AND model_name = $1' : ''} ORDER BY id`,
    modelName ? [modelName] : [],
  );
  return res.rows;
}

/** The requests rollouts began from, by the rollouts' run ids (a rollout started without one has none). */
export async function requestsOfRuns(db: Queryable, runIds: string[]): Promise<Map<string, RolloutRequestRow>> {
  const res = await db.query<RolloutRequestRow>(`SELECT ${COLUMNS} FROM rollout_requests WHERE run_id = ANY($1)`, [runIds]);
  return new Map(res.rows.map((r) => [r.runId ?? '', r]));
}

/** A queued request that can no longer be rolled out (not blessed, the champion now, no policy): dropped, with why. */
export async function dropRequest(db: Queryable, id: number, note: string): Promise<void> {
  await db.query("UPDATE rollout_requests SET status = 'dropped', note = $2, ended_at = now() WHERE id = $1 AND status = 'queued'", [id, note]);
}
