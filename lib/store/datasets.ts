// Datasets, pinned schemas, validation reports, trials and monitor reports in Postgres.
import type { Queryable } from './db.js';
import type { DataSchema } from '../checks/schema.js';

export interface DatasetRow {
  id: string;
  pipeline: string;
  source: string;
  uri: string;
  rows: number;
  columns: { name: string; kind: string }[];
  /** The snapshot's profile (JSON artifact). */
  profileUri: string | null;
}

/** Same content twice is one dataset row (the id is the snapshot's sha256). */
export async function upsertDataset(db: Queryable, d: DatasetRow): Promise<void> {
  await db.query(
    `INSERT INTO datasets (id, pipeline, source, uri, rows, columns, profile_uri) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE SET profile_uri = COALESCE(datasets.profile_uri, EXCLUDED.profile_uri)`,
    [d.id, d.pipeline, d.source, d.uri, d.rows, JSON.stringify(d.columns), d.profileUri],
  );
}

export async function getDataset(db: Queryable, id: string): Promise<DatasetRow | null> {
  const res = await db.query<DatasetRow>(
    'SELECT id, pipeline, source, uri, rows, columns, profile_uri AS "profileUri" FROM datasets WHERE id = $1',
    [id],
  );
  return res.rows[0] ?? null;
}

export interface PinnedSchema {
  version: number;
  schema: DataSchema;
  /** The dataset the schema was first inferred from: the default reference for skew. */
  datasetId: string;
}

export async function latestSchema(db: Queryable, pipeline: string): Promise<PinnedSchema | null> {
  const res = await db.query<PinnedSchema>(
    'SELECT version, schema, dataset_id AS "datasetId" FROM data_schemas WHERE pipeline = $1 ORDER BY version DESC LIMIT 1',
    [pipeline],
  );
  return res.rows[0] ?? null;
}

/** Pins the first schema of a pipeline; if another run pinned one meanwhile, that one wins. */
export async function pinFirstSchema(db: Queryable, pipeline: string, schema: DataSchema, datasetId: string): Promise<PinnedSchema> {
  await db.query(
    `INSERT INTO data_schemas (pipeline, version, schema, dataset_id) VALUES ($1, 1, $2, $3) ON CONFLICT DO NOTHING`,
    [pipeline, JSON.stringify(schema), datasetId],
  );
  const pinned = await latestSchema(db, pipeline);
  if (!pinned) throw new Error(`schema of ${pipeline} could not be pinned`);
  return pinned;
}

export async function saveValidationReport(
  db: Queryable,
  r: { runId: string; pipeline: string; datasetId: string; schemaVersion: number; ok: boolean; report: unknown; uri: string; htmlPath: string },
): Promise<void> {
  await db.query(
    `INSERT INTO validation_reports (run_id, pipeline, dataset_id, schema_version, ok, report, uri, html_path)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (run_id) DO UPDATE SET dataset_id = EXCLUDED.dataset_id, schema_version = EXCLUDED.schema_version,
       ok = EXCLUDED.ok, report = EXCLUDED.report, uri = EXCLUDED.uri, html_path = EXCLUDED.html_path, created_at = now()`,
    [r.runId, r.pipeline, r.datasetId, r.schemaVersion, r.ok, JSON.stringify(r.report), r.uri, r.htmlPath],
  );
}

export interface ValidationReportRow {
  runId: string;
  pipeline: string;
  ok: boolean;
  htmlPath: string | null;
  createdAt: string;
}

export async function listValidationReports(db: Queryable, limit: number): Promise<ValidationReportRow[]> {
  const res = await db.query<ValidationReportRow>(
    `SELECT run_id AS "runId", pipeline, ok, html_path AS "htmlPath",
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt"
       FROM validation_reports ORDER BY created_at DESC LIMIT $1`,
    [limit],
  );
  return res.rows;
}

export interface TrialRow {
  trialId: string;
  params: Record<string, number>;
  metrics: Record<string, number>;
}

export async function findTrial(db: Queryable, runId: string, trialId: string): Promise<TrialRow | null> {
  const res = await db.query<TrialRow>('SELECT trial_id AS "trialId", params, metrics FROM trials WHERE run_id = $1 AND trial_id = $2', [
    runId,
    trialId,
  ]);
  return res.rows[0] ?? null;
}

export async function recordTrial(db: Queryable, runId: string, t: TrialRow): Promise<void> {
  await db.query('INSERT INTO trials (run_id, trial_id, params, metrics) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
    runId,
    t.trialId,
    JSON.stringify(t.params),
    JSON.stringify(t.metrics),
  ]);
}

export interface MonitorReportRow {
  monitorRunId: string;
  modelName: string;
  modelVersion: number;
  fromPredictionId: number;
  toPredictionId: number;
  rows: number;
  breached: boolean;
  report: { reasons: string[]; html?: string } & Record<string, unknown>;
  uri: string;
  /** False for a window that could not be judged (its reason in notJudgedReason); the cursor still moves past it. */
  judged?: boolean;
  notJudgedReason?: string | null;
  /** The newest label time this window's quality counted (quality windows are on label time); null: no label yet. */
  labelsTo?: string | null;
  /** The newest window aggregate this window covered: the next window's aggregates start after it. */
  toAggregateId?: number | null;
}

const MONITOR_COLUMNS = `monitor_run_id AS "monitorRunId", model_name AS "modelName", model_version AS "modelVersion",
  from_prediction_id AS "fromPredictionId", to_prediction_id AS "toPredictionId", rows, breached, report, uri,
  judged, not_judged_reason AS "notJudgedReason", to_char(labels_to AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "labelsTo",
  to_aggregate_id AS "toAggregateId"`;

export async function findMonitorReport(db: Queryable, monitorRunId: string): Promise<MonitorReportRow | null> {
  const res = await db.query<MonitorReportRow>(`SELECT ${MONITOR_COLUMNS} FROM monitor_reports WHERE monitor_run_id = $1`, [monitorRunId]);
  return res.rows[0] ?? null;
}

export async function lastMonitorReport(db: Queryable, modelName: string): Promise<MonitorReportRow | null> {
  const res = await db.query<MonitorReportRow>(
    `SELECT ${MONITOR_COLUMNS} FROM monitor_reports WHERE model_name = $1 ORDER BY id DESC LIMIT 1`,
    [modelName],
  );
  return res.rows[0] ?? null;
}

export async function saveMonitorReport(db: Queryable, r: MonitorReportRow): Promise<void> {
  await db.query(
    `INSERT INTO monitor_reports (monitor_run_id, model_name, model_version, from_prediction_id, to_prediction_id, rows, breached, report, uri,
                                  judged, not_judged_reason, labels_to, to_aggregate_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (monitor_run_id) DO NOTHING`,
    [r.monitorRunId, r.modelName, r.modelVersion, r.fromPredictionId, r.toPredictionId, r.rows, r.breached, JSON.stringify(r.report), r.uri,
      r.judged ?? true, r.notJudgedReason ?? null, r.labelsTo ?? null, r.toAggregateId ?? null],
  );
}

/** The label watermark of the model's last window that counted labels (null: none yet). */
export async function lastLabelWatermark(db: Queryable, modelName: string): Promise<string | null> {
  const res = await db.query<{ at: string | null }>(
    `SELECT to_char(MAX(labels_to) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM monitor_reports WHERE model_name = $1`,
    [modelName],
  );
  return res.rows[0]?.at ?? null;
}

/** Pins a schema a person edited as the pipeline's next version; the skew reference stays the first data's. */
export async function pinSchemaVersion(db: Queryable, pipeline: string, schema: DataSchema): Promise<PinnedSchema> {
  const current = await latestSchema(db, pipeline);
  if (!current) throw new Error(`pipeline ${pipeline} has no pinned schema yet: its first passing run pins one`);
  const res = await db.query<PinnedSchema>(
    `INSERT INTO data_schemas (pipeline, version, schema, dataset_id) VALUES ($1, $2, $3, $4)
     RETURNING version, schema, dataset_id AS "datasetId"`,
    [pipeline, current.version + 1, JSON.stringify(schema), current.datasetId],
  );
  return res.rows[0];
}
