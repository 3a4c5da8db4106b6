// Breach incidents and the monitor's retraining decisions in Postgres (one decision per monitor run, one open incident per model).
import type { Queryable } from './db.js';

export interface IncidentRow {
  id: number;
  modelName: string;
  championVersion: number;
  status: 'open' | 'closed';
  openedBy: string;
  openedAt: string;
  reasons: string[];
  breachedWindows: number;
  retrainWorkflowId: string | null;
  retrainStartedAt: string | null;
  lastDecision: string | null;
  lastDecisionDetail: string | null;
  closedAt: string | null;
  closedBy: string | null;
  closeReason: 'within_policy' | 'champion_changed' | null;
}

const TS = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
const INCIDENT_COLUMNS = `id, model_name AS "modelName", champion_version AS "championVersion", status, opened_by AS "openedBy",
  ${TS('opened_at')} AS "openedAt", reasons, breached_windows AS "breachedWindows", retrain_workflow_id AS "retrainWorkflowId",
  ${TS('retrain_started_at')} AS "retrainStartedAt", last_decision AS "lastDecision", last_decision_detail AS "lastDecisionDetail",
  ${TS('closed_at')} AS "closedAt", closed_by AS "closedBy", close_reason AS "closeReason"`;

/** Serializes the decisions of one model (inside a transaction). */
export async function lockModelIncidents(tx: Queryable, modelName: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`incidents:${modelName}`]);
}

export async function openIncidentOf(db: Queryable, modelName: string): Promise<IncidentRow | null> {
  const res = await db.query<IncidentRow>(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE model_name = $1 AND status = 'open'`, [modelName]);
  return res.rows[0] ?? null;
}

export async function listIncidents(db: Queryable, modelName: string): Promise<IncidentRow[]> {
  return (await db.query<IncidentRow>(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE model_name = $1 ORDER BY id`, [modelName])).rows;
}

export async function openIncident(tx: Queryable, i: { modelName: string; championVersion: number; openedBy: string; reasons: string[] }): Promise<IncidentRow> {
  const res = await tx.query<IncidentRow>(
    `INSERT INTO incidents (model_name, champion_version, status, opened_by, reasons) VALUES ($1, $2, 'open', $3, $4) RETURNING ${INCIDENT_COLUMNS}`,
    [i.modelName, i.championVersion, i.openedBy, JSON.stringify(i.reasons)],
  );
  return res.rows[0];
}

export async function closeIncident(tx: Queryable, id: number, closedBy: string, reason: 'within_policy' | 'champion_changed'): Promise<void> {
  await tx.query(`UPDATE incidents SET status = 'closed', closed_at = now(), closed_by = $2, close_reason = $3 WHERE id = $1 AND status = 'open'`, [id, closedBy, reason]);
}

/** Another breaching window of an open incident, and the decision taken for it. */
export async function noteIncidentWindow(tx: Queryable, id: number, u: { counted: boolean; decision: string; detail: string; retrainWorkflowId?: string }): Promise<void> {
  await tx.query(
    `UPDATE incidents SET breached_windows = breached_windows + $2, last_decision = $3, last_decision_detail = $4,
            retrain_workflow_id = COALESCE(retrain_workflow_id, $5) WHERE id = $1`,
    [id, u.counted ? 1 : 0, u.decision, u.detail, u.retrainWorkflowId ?? null],
  );
}

/** The workflow started (or found already started) for the incident's retraining. */
export async function markRetrainStarted(db: Queryable, incidentId: number, workflowId: string): Promise<void> {
  await db.query(
    `UPDATE incidents SET retrain_workflow_id = COALESCE(retrain_workflow_id, $2), retrain_started_at = COALESCE(retrain_started_at, now()) WHERE id = $1`,
    [incidentId, workflowId],
  );
}

export type DecisionKind = 'retrain' | 'skip' | 'none';

export interface RetrainDecisionRow {
  monitorRunId: string;
  modelName: string;
  incidentId: number | null;
  decision: DecisionKind;
  reason: string;
  detail: string;
  workflowId: string | null;
  dataVersion: string | null;
  source: unknown;
  labelsUpTo: string | null;
  newLabels: number | null;
  closed: { id: number; reason: string }[];
  decidedAt?: string;
}

const DECISION_COLUMNS = `monitor_run_id AS "monitorRunId", model_name AS "modelName", incident_id AS "incidentId", decision, reason, detail,
  workflow_id AS "workflowId", data_version AS "dataVersion", source,
  to_char(labels_up_to AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "labelsUpTo", new_labels AS "newLabels", closed, ${TS('decided_at')} AS "decidedAt"`;

export async function findDecision(db: Queryable, monitorRunId: string): Promise<RetrainDecisionRow | null> {
  const res = await db.query<RetrainDecisionRow>(`SELECT ${DECISION_COLUMNS} FROM retrain_decisions WHERE monitor_run_id = $1`, [monitorRunId]);
  return res.rows[0] ?? null;
}

/** The decision that chose a retraining run (the first one, when several windows carried it). */
export async function decisionForWorkflow(db: Queryable, workflowId: string): Promise<RetrainDecisionRow | null> {
  const res = await db.query<RetrainDecisionRow>(
    `SELECT ${DECISION_COLUMNS} FROM retrain_decisions WHERE workflow_id = $1 AND decision = 'retrain' ORDER BY decided_at LIMIT 1`,
    [workflowId],
  );
  return res.rows[0] ?? null;
}

/** The model's last decision to retrain, and how many seconds ago it was taken (the database's clock). */
export async function lastRetrainDecision(db: Queryable, modelName: string): Promise<(RetrainDecisionRow & { ageSeconds: number }) | null> {
  const res = await db.query<RetrainDecisionRow & { ageSeconds: number }>(
    `SELECT ${DECISION_COLUMNS}, EXTRACT(EPOCH FROM now() - decided_at)::float8 AS "ageSeconds"
       FROM retrain_decisions WHERE model_name = $1 AND decision = 'retrain' ORDER BY decided_at DESC LIMIT 1`,
    [modelName],
  );
  return res.rows[0] ?? null;
}

export async function saveDecision(tx: Queryable, d: RetrainDecisionRow): Promise<void> {
  await tx.query(
    `INSERT INTO retrain_decisions (monitor_run_id, model_name, incident_id, decision, reason, detail, workflow_id, data_version, source, labels_up_to, new_labels, closed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (monitor_run_id) DO NOTHING`,
    [d.monitorRunId, d.modelName, d.incidentId, d.decision, d.reason, d.detail, d.workflowId, d.dataVersion, d.source === null ? null : JSON.stringify(d.source), d.labelsUpTo, d.newLabels, JSON.stringify(d.closed)],
  );
}

/** What came of a decision to retrain: the run started, or a run of the same id (the same training data) existed. */
export async function noteDecisionOutcome(db: Queryable, monitorRunId: string, started: boolean): Promise<void> {
  if (started) return;
  await db.query(
    `UPDATE retrain_decisions SET detail = detail || '; a run of this id existed already (the same training data): nothing new started'
      WHERE monitor_run_id = $1 AND detail NOT LIKE '%nothing new started'`,
    [monitorRunId],
  );
}
