// Lineage of one lifecycle run from the store: its steps (Temporal run, cache key, code version), snapshots, validation, search.
import type { Queryable } from './db.js';
import type { StepOutputs } from '../steps/refs.js';

export interface LineageStep {
  stepId: string;
  uses: string;
  status: 'executed' | 'reused' | 'failed';
  /** The Temporal run of the lifecycle workflow that recorded this step (a repair is a new run of the same workflow id). */
  temporalRunId: string;
  cacheKey: string | null;
  /** The step's code version (built-in `name@N`, user step `version:…` or `module:<sha256>`); null: not recorded then. */
  codeVersion: string | null;
  /** For a reused step: the workflow id whose recorded result was reused. */
  reusedFrom: string | null;
  durationMs: number | null;
  failure: string | null;
  summary: string | null;
  at: string;
}

export interface LineageSnapshot {
  id: string;
  source: string;
  uri: string;
  rows: number;
  createdAt: string;
  /** How the run used it: "ingest → dataset", "validate → training data", ... */
  roles: string[];
}

export interface LineageValidation {
  /** The workflow id whose validate step wrote the report (another run's, when the step was reused). */
  runId: string;
  ok: boolean;
  datasetId: string;
  schemaVersion: number;
  errors: number | null;
  warnings: number | null;
  quarantinedRows: number | null;
  reportUri: string;
  htmlPath: string | null;
  createdAt: string;
}

export interface LineageSearch {
  /** The workflow id whose optimize step ran the trials (another run's, when the step was reused). */
  runId: string;
  trials: { trialId: string; params: Record<string, unknown>; metrics: Record<string, number> }[];
  best: { trialId: string; cvScore: number; metric: string } | null;
  candidate: { holdoutMetrics: Record<string, number>; blessed: boolean; gateReason: string; champion: { version: number; score: number } | null } | null;
}

export interface RunLineage {
  workflowId: string;
  /** Every Temporal run of the workflow id that recorded a step, oldest first. */
  temporalRunIds: string[];
  pipeline: { name: string; version: string } | null;
  steps: LineageStep[];
  snapshots: LineageSnapshot[];
  validation: LineageValidation | null;
  search: LineageSearch | null;
  /** Audit rows about the run itself (e.g. `start_run` over HTTP, with the token's subject). */
  audit: { at: string; actor: string; action: string; details: Record<string, unknown> }[];
  /** Restarts by the repair round: the failed Temporal run, the new one, from which step. */
  repairs: { failedRunId: string; newRunId: string | null; decision: string; fromStep: string | null; reason: string }[];
}

const TS = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

interface StepRow {
  step_id: string; uses: string; status: LineageStep['status']; temporal_run_id: string; cache_key: string | null; code_version: string | null;
  reused_from: string | null; duration_ms: number | null; failure_type: string | null; error: string | null; at: string;
  pipeline: string; pipeline_version: string; outputs: StepOutputs | null;
}

/** The datasets a step's outputs name, with the role each plays. */
function datasetsOf(stepId: string, o: StepOutputs): [string, string][] {
  const found: [string, string][] = [];
  if (o.dataset) found.push([o.dataset.id, `${stepId} → dataset`]);
  if (o.validation) found.push([o.validation.trainingDataset.id, `${stepId} → training data`]);
  if (o.candidate) found.push([o.candidate.dataset.id, `${stepId} → trained on`]);
  return found;
}

/** What the store knows of a lifecycle run (by workflow id); null when no step of it was ever recorded. */
export async function runLineage(db: Queryable, workflowId: string): Promise<RunLineage | null> {
  const rows = (await db.query<StepRow>(
    `SELECT s.step_id, s.uses, s.status, s.temporal_run_id, s.cache_key, s.code_version, s.reused_from, s.duration_ms, s.failure_type, s.error,
            ${TS('s.at')} AS at, s.pipeline, s.pipeline_version, r.outputs
       FROM step_runs s LEFT JOIN step_results r ON r.cache_key = s.cache_key AND s.status <> 'failed'
      WHERE s.run_id = $1 ORDER BY s.id`,
    [workflowId],
  )).rows;
  if (rows.length === 0) return null;
  const steps: LineageStep[] = rows.map((r) => ({
    stepId: r.step_id, uses: r.uses, status: r.status, temporalRunId: r.temporal_run_id, cacheKey: r.cache_key, codeVersion: r.code_version,
    reusedFrom: r.reused_from, durationMs: r.duration_ms, failure: r.status === 'failed' ? `${r.failure_type ?? 'error'}: ${r.error ?? ''}` : null,
    summary: r.outputs?.summary ?? null, at: r.at,
  }));
  const roles = new Map<string, string[]>();
  for (const r of rows) for (const [id, role] of r.outputs ? datasetsOf(r.step_id, r.outputs) : []) roles.set(id, [...new Set([...(roles.get(id) ?? []), role])]);
  const snapshots = (await db.query<Omit<LineageSnapshot, 'roles'>>(
    `SELECT id, source, uri, rows, ${TS('created_at')} AS "createdAt" FROM datasets WHERE id = ANY($1)`,
    [[...roles.keys()]],
  )).rows.map((d) => ({ ...d, roles: roles.get(d.id) ?? [] }));
  snapshots.sort((a, b) => [...roles.keys()].indexOf(a.id) - [...roles.keys()].indexOf(b.id));
  const done = (uses: string): StepRow | undefined => [...rows].reverse().find((r) => r.uses === uses && r.status !== 'failed' && r.outputs);
  const last = rows[rows.length - 1];
  return {
    workflowId,
    temporalRunIds: [...new Set(rows.map((r) => r.temporal_run_id))],
    pipeline: { name: last.pipeline, version: last.pipeline_version },
    steps,
    snapshots,
    validation: await validationOf(db, workflowId, done('validate')),
    search: await searchOf(db, workflowId, done('optimize')),
    audit: (await db.query<RunLineage['audit'][number]>(`SELECT ${TS('at')} AS at, actor, action, details FROM audit_log WHERE subject = $1 ORDER BY id`, [workflowId])).rows,
    repairs: (await db.query<RunLineage['repairs'][number]>(
      `SELECT failed_run_id AS "failedRunId", new_run_id AS "newRunId", decision, from_step AS "fromStep", reason FROM repairs WHERE workflow_id = $1 ORDER BY id`,
      [workflowId],
    )).rows,
  };
}

async function validationOf(db: Queryable, workflowId: string, step: StepRow | undefined): Promise<LineageValidation | null> {
  const runId = step?.reused_from ?? workflowId;
  const row = (await db.query<{ ok: boolean; dataset_id: string; schema_version: number; uri: string; html_path: string | null; created_at: string }>(
    `SELECT ok, dataset_id, schema_version, uri, html_path, ${TS('created_at')} AS created_at FROM validation_reports WHERE run_id = $1`,
    [runId],
  )).rows[0];
  if (!row) return null;
  const v = step?.outputs?.validation;
  return {
    runId, ok: row.ok, datasetId: row.dataset_id, schemaVersion: row.schema_version, errors: v?.errors ?? null, warnings: v?.warnings ?? null,
    quarantinedRows: v?.quarantinedRows ?? null, reportUri: row.uri, htmlPath: row.html_path, createdAt: row.created_at,
  };
}

async function searchOf(db: Queryable, workflowId: string, step: StepRow | undefined): Promise<LineageSearch | null> {
  if (!step) return null;
  const runId = step.reused_from ?? workflowId;
  const trials = (await db.query<LineageSearch['trials'][number]>(
    'SELECT trial_id AS "trialId", params, metrics FROM trials WHERE run_id = $1 ORDER BY created_at, trial_id',
    [runId],
  )).rows;
  const c = step.outputs?.candidate;
  return {
    runId,
    trials,
    best: c ? { trialId: c.bestTrial.trialId, cvScore: c.bestTrial.cvScore, metric: c.bestTrial.metric } : null,
    candidate: c ? { holdoutMetrics: c.candidate.holdoutMetrics, blessed: c.candidate.blessed, gateReason: c.candidate.gateReason, champion: c.candidate.champion } : null,
  };
}
