// The repair round's records: a decision per failed run (claimed once), restarts per workflow id, outcomes.
import type { Queryable } from './db.js';

export interface RepairRow {
  workflowId: string;
  failedRunId: string;
  pipeline: string;
  decision: 'restarted' | 'not_repairable' | 'parked';
  attempt: number;
  fromStep: string | null;
  failureType: string | null;
  reason: string;
  newRunId?: string | null;
  outcome?: string | null;
  createdAt?: string;
}

/** Records the decision for a failed run; false when a decision exists already (another round took it). */
export async function claimDecision(db: Queryable, r: RepairRow): Promise<boolean> {
  const res = await db.query(
    `INSERT INTO repairs (workflow_id, failed_run_id, pipeline, decision, attempt, from_step, failure_type, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (failed_run_id) DO NOTHING`,
    [r.workflowId, r.failedRunId, r.pipeline, r.decision, r.attempt, r.fromStep, r.failureType, r.reason.slice(0, 2000)],
  );
  return res.rowCount === 1;
}

export async function decisionFor(db: Queryable, failedRunId: string): Promise<RepairRow | null> {
  return (await select(db, 'WHERE failed_run_id = $1', [failedRunId]))[0] ?? null;
}

export async function restartsOf(db: Queryable, workflowId: string): Promise<number> {
  const r = await db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM repairs WHERE workflow_id = $1 AND decision = 'restarted'", [workflowId]);
  return r.rows[0].n;
}

export async function setRepairRun(db: Queryable, failedRunId: string, newRunId: string): Promise<void> {
  await db.query('UPDATE repairs SET new_run_id = $2 WHERE failed_run_id = $1', [failedRunId, newRunId]);
}

export async function setOutcome(db: Queryable, failedRunId: string, outcome: string): Promise<void> {
  await db.query('UPDATE repairs SET outcome = $2 WHERE failed_run_id = $1', [failedRunId, outcome]);
}

/** Restarts whose run has not been seen closed yet. */
export async function openRestarts(db: Queryable, pipeline: string | null): Promise<RepairRow[]> {
  return select(db, "WHERE decision = 'restarted' AND outcome IS NULL AND ($1::text IS NULL OR pipeline = $1)", [pipeline]);
}

export async function listRepairs(db: Queryable, limit: number, workflowId?: string): Promise<RepairRow[]> {
  return select(db, 'WHERE ($1::text IS NULL OR workflow_id = $1) ORDER BY id DESC LIMIT $2', [workflowId ?? null, limit]);
}

async function select(db: Queryable, where: string, params: unknown[]): Promise<RepairRow[]> {
  const r = await db.query<RepairRow>(
    `SELECT workflow_id AS "workflowId", failed_run_id AS "failedRunId", pipeline, decision, attempt, from_step AS "fromStep",
            failure_type AS "failureType", reason, new_run_id AS "newRunId", outcome,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt"
       FROM repairs ${where}`,
    params,
  );
  return r.rows;
}
