// Lineage of a model version from the store: its run, what started it, its rollouts and audit, the traffic it served, what came next.
import type { Queryable } from './db.js';
import { getModelVersion } from './models.js';
import { runLineage, type RunLineage } from './lineageRuns.js';
import { parseModelRef, LineageNotFound } from './lineageRefs.js';

export { LineageNotFound, LineageRefError, parseModelRef } from './lineageRefs.js';

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
}

export interface LineageRollout {
  workflowId: string;
  /** The rollout workflow's Temporal run. */
  runId: string;
  /** challenger: this version was rolled out; champion: it defended against another version. */
  role: 'challenger' | 'champion';
  championVersion: number;
  challengerVersion: number;
  stage: string;
  status: string;
  decidedBy: string | null;
  reason: string | null;
  startedAt: string;
  decidedAt: string | null;
  /** Who asked for it and the stored definition version its policy came from (when it began from a request). */
  request: { requestedBy: string; reason: string; definition: string } | null;
  /** Every audit row of this rollout (stages, decisions, refused commands), oldest first. */
  audit: AuditEntry[];
}

export interface LineageIncident {
  id: number;
  status: string;
  /** The monitor workflow id whose window opened it. */
  openedBy: string;
  openedAt: string;
  reasons: string[];
  breachedWindows: number;
  closedAt: string | null;
  closeReason: string | null;
  /** The retraining lifecycle run it started (a workflow id), and the decision that started it. */
  retrain: { workflowId: string; startedAt: string | null; monitorRunId: string | null; dataVersion: string | null; detail: string | null } | null;
  /** The version that retraining run registered; null while none is (still running, failed, or not blessed… see the run). */
  nextVersion: number | null;
}

export interface ModelLineage {
  model: {
    name: string; version: number; sha256: string; uri: string; createdAt: string; algorithm: string; primaryMetric: string;
    metrics: Record<string, number>; blessed: boolean | null; gateReason: string | null; datasetId: string;
    /** The card's own record of the data behind the model. */
    cardLineage: { id: string; role?: string; rows?: number; source?: string }[];
  };
  /** The lifecycle run that registered the version (its workflow id is model_versions.run_id); null for an import. */
  run: RunLineage | null;
  producedBy: string;
  /** The incident whose retraining run produced this version, when one did. */
  startedBy: { incidentId: number | null; monitorRunId: string; previousVersion: number | null; reason: string; detail: string } | null;
  rollouts: LineageRollout[];
  /** Audit rows about this version that belong to no rollout (registration, deployment, alias moves, approvals…). */
  audit: AuditEntry[];
  served: {
    /** What the replicas counted for this version, per variant (champion, challenger, shadow), by the minute. */
    traffic: { variant: string; requests: number; errors: number; firstMinute: string; lastMinute: string }[];
    windows: { monitorRunId: string; from: number; to: number; rows: number; judged: boolean; breached: boolean; reasons: string[]; reportUri: string; html: string | null; at: string }[];
    /** Monitor windows of this version in all (only the newest are listed). */
    windowCount: number;
  };
  incidents: LineageIncident[];
}

export const WINDOW_LIMIT = 50;
const TS = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

async function auditOf(db: Queryable, subject: string): Promise<(AuditEntry & { runId: string | null })[]> {
  return (await db.query<AuditEntry & { runId: string | null }>(
    `SELECT ${TS('at')} AS at, actor, action, subject, details, details->>'runId' AS "runId" FROM audit_log WHERE subject = $1 ORDER BY id`,
    [subject],
  )).rows;
}

async function rolloutsOf(db: Queryable, name: string, version: number): Promise<Omit<LineageRollout, 'audit'>[]> {
  return (await db.query<Omit<LineageRollout, 'audit'>>(
    `SELECT r.workflow_id AS "workflowId", r.run_id AS "runId", CASE WHEN r.challenger_version = $2 THEN 'challenger' ELSE 'champion' END AS role,
            r.champion_version AS "championVersion", r.challenger_version AS "challengerVersion", r.stage, r.status, r.decided_by AS "decidedBy", r.reason,
            ${TS('r.started_at')} AS "startedAt", ${TS('r.decided_at')} AS "decidedAt",
            CASE WHEN q.id IS NULL THEN NULL ELSE json_build_object('requestedBy', q.requested_by, 'reason', q.reason,
              'definition', q.definition_name || '@' || q.definition_version) END AS request
       FROM rollouts r LEFT JOIN rollout_requests q ON q.run_id = r.run_id
      WHERE r.model_name = $1 AND (r.challenger_version = $2 OR r.champion_version = $2) ORDER BY r.id`,
    [name, version],
  )).rows;
}

async function servedBy(db: Queryable, name: string, version: number): Promise<ModelLineage['served']> {
  const traffic = (await db.query<ModelLineage['served']['traffic'][number]>(
    `SELECT variant, SUM(requests)::float8 AS requests, SUM(errors)::float8 AS errors, ${TS('MIN(minute)')} AS "firstMinute", ${TS('MAX(minute)')} AS "lastMinute"
       FROM serving_counters WHERE model_name = $1 AND model_version = $2 GROUP BY variant ORDER BY variant`,
    [name, version],
  )).rows;
  const windows = (await db.query<ModelLineage['served']['windows'][number]>(
    `SELECT monitor_run_id AS "monitorRunId", from_prediction_id AS "from", to_prediction_id AS "to", rows, judged, breached,
            COALESCE(report->'reasons', '[]') AS reasons, uri AS "reportUri", report->>'html' AS html, ${TS('created_at')} AS at
       FROM monitor_reports WHERE model_name = $1 AND model_version = $2 ORDER BY id DESC LIMIT $3`,
    [name, version, WINDOW_LIMIT],
  )).rows.reverse();
  const count = (await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM monitor_reports WHERE model_name = $1 AND model_version = $2', [name, version])).rows[0].n;
  return { traffic, windows, windowCount: count };
}

async function incidentsOf(db: Queryable, name: string, version: number): Promise<LineageIncident[]> {
  return (await db.query<LineageIncident>(
    `SELECT i.id, i.status, i.opened_by AS "openedBy", ${TS('i.opened_at')} AS "openedAt", i.reasons, i.breached_windows AS "breachedWindows",
            ${TS('i.closed_at')} AS "closedAt", i.close_reason AS "closeReason",
            CASE WHEN i.retrain_workflow_id IS NULL THEN NULL ELSE json_build_object('workflowId', i.retrain_workflow_id,
              'startedAt', ${TS('i.retrain_started_at')}, 'monitorRunId', d.monitor_run_id, 'dataVersion', d.data_version, 'detail', d.detail) END AS retrain,
            (SELECT v.version FROM model_versions v WHERE v.name = i.model_name AND v.run_id = i.retrain_workflow_id) AS "nextVersion"
       FROM incidents i
       LEFT JOIN LATERAL (SELECT monitor_run_id, data_version, detail FROM retrain_decisions
                           WHERE incident_id = i.id AND decision = 'retrain' AND workflow_id = i.retrain_workflow_id ORDER BY decided_at LIMIT 1) d ON true
      WHERE i.model_name = $1 AND i.champion_version = $2 ORDER BY i.id`,
    [name, version],
  )).rows;
}

async function startedByOf(db: Queryable, workflowId: string): Promise<ModelLineage['startedBy']> {
  const row = (await db.query<{ incident_id: number | null; monitor_run_id: string; reason: string; detail: string; champion_version: number | null }>(
    `SELECT d.incident_id, d.monitor_run_id, d.reason, d.detail, i.champion_version FROM retrain_decisions d LEFT JOIN incidents i ON i.id = d.incident_id
      WHERE d.workflow_id = $1 AND d.decision = 'retrain' ORDER BY d.decided_at LIMIT 1`,
    [workflowId],
  )).rows[0];
  return row ? { incidentId: row.incident_id, monitorRunId: row.monitor_run_id, previousVersion: row.champion_version, reason: row.reason, detail: row.detail } : null;
}

/** The lineage of `name@version` (a reference as text); refused with LineageRefError / LineageNotFound in one sentence. */
export async function modelLineage(db: Queryable, ref: string): Promise<ModelLineage> {
  const { name, version } = parseModelRef(ref);
  const m = await getModelVersion(db, name, version);
  if (!m) {
    const versions = (await db.query<{ v: number }>('SELECT version AS v FROM model_versions WHERE name = $1 ORDER BY version', [name])).rows.map((r) => r.v);
    if (versions.length === 0) throw new LineageNotFound(`no model named "${name}" is registered.`);
    throw new LineageNotFound(`${name} has no version ${version} (its versions: ${versions.join(', ')}).`);
  }
  const audit = await auditOf(db, `${name}@${version}`);
  const rollouts = (await rolloutsOf(db, name, version)).map((r) => ({
    ...r,
    audit: r.role === 'challenger' ? audit.filter((a) => a.runId === r.runId).map(({ runId: _r, ...a }) => a) : [],
  }));
  const inRollout = new Set(rollouts.filter((r) => r.role === 'challenger').map((r) => r.runId));
  const run = await runLineage(db, m.runId);
  return {
    model: {
      name, version, sha256: m.sha256, uri: m.uri, createdAt: m.createdAt, algorithm: m.card.algorithm, primaryMetric: m.card.primaryMetric, metrics: m.metrics,
      blessed: m.card.gate?.blessed ?? null, gateReason: m.card.gate?.reason ?? null, datasetId: m.datasetId,
      cardLineage: (m.card.lineage ?? [{ id: m.datasetId, role: 'training', rows: m.card.dataset.rows, source: m.card.dataset.source }]).map((d) => ({ id: d.id, role: d.role, rows: d.rows, source: d.source })),
    },
    run,
    producedBy: m.runId,
    startedBy: await startedByOf(db, m.runId),
    rollouts,
    audit: audit.filter((a) => a.runId === null || !inRollout.has(a.runId)).map(({ runId: _r, ...a }) => a),
    served: await servedBy(db, name, version),
    incidents: await incidentsOf(db, name, version),
  };
}
