// Lineage in reverse: everything the store says used one snapshot (runs and their steps, models, reports, retraining, batch scores).
import type { Queryable } from './db.js';
import { LineageNotFound, parseSnapshotRef } from './lineageRefs.js';

export interface SnapshotLineage {
  snapshot: { id: string; pipeline: string; source: string; uri: string; rows: number; createdAt: string };
  /** Lifecycle runs whose recorded step outputs name the snapshot, with those steps. */
  runs: {
    workflowId: string;
    pipeline: string;
    temporalRunIds: string[];
    steps: { stepId: string; uses: string; status: string; reusedFrom: string | null; codeVersion: string | null }[];
  }[];
  /** Versions trained on it (or naming it in their card's lineage). */
  models: { name: string; version: number; role: string; sha256: string; runId: string }[];
  validations: { runId: string; pipeline: string; ok: boolean; schemaVersion: number }[];
  /** Pinned schemas inferred from it (it is their skew reference too). */
  schemas: { pipeline: string; version: number }[];
  /** Models whose drift profile (the monitor's reference) was binned from it. */
  driftReferences: { name: string; version: number }[];
  /** Retraining runs that learned from labelled traffic plus this snapshot (the champion's data), with what they ingested. */
  retrains: { workflowId: string; monitorRunId: string; incidentId: number | null; datasets: string[] }[];
  /** Batch scoring jobs that scored exactly these rows (their data is this snapshot's content address). */
  batchScores: { jobId: string; model: string; version: number; source: string; output: string; rows: number; finished: boolean }[];
}

const TS = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

async function resolve(db: Queryable, ref: string): Promise<SnapshotLineage['snapshot']> {
  const prefix = parseSnapshotRef(ref);
  const rows = (await db.query<SnapshotLineage['snapshot']>(
    `SELECT id, pipeline, source, uri, rows, ${TS('created_at')} AS "createdAt" FROM datasets WHERE id LIKE $1 || '%' ORDER BY id LIMIT 3`,
    [prefix],
  )).rows;
  if (rows.length === 0) throw new LineageNotFound(`no snapshot ${prefix.length === 64 ? prefix : `starting with ${prefix}`} is registered.`);
  if (rows.length > 1) throw new LineageNotFound(`${prefix} names more than one snapshot (${rows.map((r) => r.id.slice(0, 16)).join(', ')}…): give more digits.`);
  return rows[0];
}

export async function snapshotLineage(db: Queryable, ref: string): Promise<SnapshotLineage> {
  const snapshot = await resolve(db, ref);
  const { id } = snapshot;
  const stepRows = (await db.query<{ run_id: string; pipeline: string; temporal_run_id: string; step_id: string; uses: string; status: string; reused_from: string | null; code_version: string | null }>(
    `SELECT s.run_id, s.pipeline, s.temporal_run_id, s.step_id, s.uses, s.status, s.reused_from, s.code_version
       FROM step_runs s JOIN step_results r ON r.cache_key = s.cache_key
      WHERE s.status <> 'failed' AND jsonb_path_exists(r.outputs, '$.** ? (@ == $id)', jsonb_build_object('id', $1::text))
      ORDER BY s.id`,
    [id],
  )).rows;
  const runs = new Map<string, SnapshotLineage['runs'][number]>();
  for (const s of stepRows) {
    const run = runs.get(s.run_id) ?? { workflowId: s.run_id, pipeline: s.pipeline, temporalRunIds: [], steps: [] };
    if (!run.temporalRunIds.includes(s.temporal_run_id)) run.temporalRunIds.push(s.temporal_run_id);
    run.steps.push({ stepId: s.step_id, uses: s.uses, status: s.status, reusedFrom: s.reused_from, codeVersion: s.code_version });
    runs.set(s.run_id, run);
  }
  const models = (await db.query<SnapshotLineage['models'][number]>(
    `SELECT name, version, sha256, run_id AS "runId",
            CASE WHEN dataset_id = $1 THEN 'trained on it'
                 ELSE COALESCE((SELECT l->>'role' FROM jsonb_array_elements(card->'lineage') l WHERE l->>'id' = $1 LIMIT 1), 'in its card''s lineage') END AS role
       FROM model_versions WHERE dataset_id = $1 OR card->'lineage' @> jsonb_build_array(jsonb_build_object('id', $1::text)) ORDER BY name, version`,
    [id],
  )).rows;
  const validations = (await db.query<SnapshotLineage['validations'][number]>(
    'SELECT run_id AS "runId", pipeline, ok, schema_version AS "schemaVersion" FROM validation_reports WHERE dataset_id = $1 ORDER BY created_at',
    [id],
  )).rows;
  const schemas = (await db.query<SnapshotLineage['schemas'][number]>('SELECT pipeline, version FROM data_schemas WHERE dataset_id = $1 ORDER BY pipeline, version', [id])).rows;
  const driftReferences = (await db.query<SnapshotLineage['driftReferences'][number]>(
    'SELECT model_name AS name, model_version AS version FROM drift_profiles WHERE dataset_id = $1 ORDER BY 1, 2',
    [id],
  )).rows;
  const retrains = (await db.query<SnapshotLineage['retrains'][number]>(
    `SELECT d.workflow_id AS "workflowId", d.monitor_run_id AS "monitorRunId", d.incident_id AS "incidentId",
            COALESCE((SELECT array_agg(DISTINCT x.id) FROM datasets x WHERE x.source LIKE '%+champion-data-' || left($1, 12)
                         AND x.id IN (SELECT r.outputs->'dataset'->>'id' FROM step_runs s JOIN step_results r ON r.cache_key = s.cache_key
                                       WHERE s.run_id = d.workflow_id AND s.uses = 'ingest')), '{}') AS datasets
       FROM retrain_decisions d WHERE d.decision = 'retrain' AND d.source->>'championDatasetId' = $1 ORDER BY d.decided_at`,
    [id],
  )).rows;
  const batchScores = (await db.query<SnapshotLineage['batchScores'][number]>(
    `SELECT job_id AS "jobId", model_name AS model, model_version AS version, source, output, rows::float8 AS rows, finished_at IS NOT NULL AS finished
       FROM batch_score_jobs WHERE data_ref = $1 ORDER BY started_at`,
    [snapshot.uri],
  )).rows;
  return { snapshot, runs: [...runs.values()], models, validations, schemas, driftReferences, retrains, batchScores };
}
