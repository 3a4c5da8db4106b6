// Memoized step results by cache key, and the record of every step of every run (executed, reused or failed).
import type { StepOutputs } from '../steps/refs.js';
import type { Queryable } from './db.js';

export interface StepResultRow {
  cacheKey: string;
  stepId: string;
  uses: string;
  outputs: StepOutputs;
  runId: string;
  context: Record<string, unknown>;
  durationMs: number;
}

export async function findStepResult(db: Queryable, cacheKey: string): Promise<StepResultRow | null> {
  const r = await db.query<{ step_id: string; uses: string; outputs: StepOutputs; run_id: string; context: Record<string, unknown>; duration_ms: number }>(
    'SELECT step_id, uses, outputs, run_id, context, duration_ms FROM step_results WHERE cache_key = $1',
    [cacheKey],
  );
  const row = r.rows[0];
  return row ? { cacheKey, stepId: row.step_id, uses: row.uses, outputs: row.outputs, runId: row.run_id, context: row.context, durationMs: row.duration_ms } : null;
}

/** The recorded results of many keys in one query (a memoized prefix of a plan). */
export async function findStepResults(db: Queryable, cacheKeys: string[]): Promise<Map<string, StepResultRow>> {
  const found = new Map<string, StepResultRow>();
  if (cacheKeys.length === 0) return found;
  const r = await db.query<{ cache_key: string; step_id: string; uses: string; outputs: StepOutputs; run_id: string; context: Record<string, unknown>; duration_ms: number }>(
    'SELECT cache_key, step_id, uses, outputs, run_id, context, duration_ms FROM step_results WHERE cache_key = ANY($1::text[])',
    [cacheKeys],
  );
  for (const row of r.rows) found.set(row.cache_key, { cacheKey: row.cache_key, stepId: row.step_id, uses: row.uses, outputs: row.outputs, runId: row.run_id, context: row.context, durationMs: row.duration_ms });
  return found;
}

/** Records a completed result; a key recorded already keeps its first result (same inputs, same step: same meaning). */
export async function saveStepResult(db: Queryable, pipeline: string, r: StepResultRow): Promise<void> {
  await db.query(
    `INSERT INTO step_results (cache_key, pipeline, step_id, uses, outputs, run_id, context, duration_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (cache_key) DO NOTHING`,
    [r.cacheKey, pipeline, r.stepId, r.uses, JSON.stringify(r.outputs), r.runId, JSON.stringify(r.context), Math.round(r.durationMs)],
  );
}

export interface StepRunRow {
  runId: string;
  temporalRunId: string;
  pipeline: string;
  pipelineVersion: string;
  stepId: string;
  uses: string;
  status: 'executed' | 'reused' | 'failed';
  cacheKey: string | null;
  /** The step's code version (part of its cache key); null on records made before it was recorded. */
  codeVersion?: string | null;
  reusedFrom?: string | null;
  durationMs?: number | null;
  failureType?: string | null;
  error?: string | null;
  at?: string;
}

export async function recordStepRun(db: Queryable, s: StepRunRow): Promise<void> {
  await db.query(
    `INSERT INTO step_runs (run_id, temporal_run_id, pipeline, pipeline_version, step_id, uses, status, cache_key, reused_from, duration_ms, failure_type, error, code_version)
     VALUES ($1, $12, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $13)
     ON CONFLICT (temporal_run_id, step_id) WHERE status <> 'failed' DO NOTHING`,
    [s.runId, s.pipeline, s.pipelineVersion, s.stepId, s.uses, s.status, s.cacheKey, s.reusedFrom ?? null, s.durationMs == null ? null : Math.round(s.durationMs), s.failureType ?? null, s.error?.slice(0, 2000) ?? null, s.temporalRunId, s.codeVersion ?? null],
  );
}

/** Many reuse records of one run in one statement (the memoized prefix); idempotent like recordStepRun. */
export async function recordReusedSteps(
  db: Queryable,
  run: Pick<StepRunRow, 'runId' | 'temporalRunId' | 'pipeline' | 'pipelineVersion'>,
  steps: { stepId: string; uses: string; cacheKey: string; codeVersion: string | null; reusedFrom: string }[],
): Promise<void> {
  if (steps.length === 0) return;
  await db.query(
    `INSERT INTO step_runs (run_id, temporal_run_id, pipeline, pipeline_version, step_id, uses, status, cache_key, reused_from, duration_ms, code_version)
     SELECT $1, $2, $3, $4, s.step_id, s.uses, 'reused', s.cache_key, s.reused_from, 0, s.code_version
       FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS s(step_id, uses, cache_key, reused_from, code_version, k)
      ORDER BY s.k
     ON CONFLICT (temporal_run_id, step_id) WHERE status <> 'failed' DO NOTHING`,
    [run.runId, run.temporalRunId, run.pipeline, run.pipelineVersion, steps.map((s) => s.stepId), steps.map((s) => s.uses), steps.map((s) => s.cacheKey), steps.map((s) => s.reusedFrom), steps.map((s) => s.codeVersion)],
  );
}

/** Every step record of a run, oldest first. */
export async function stepRunsOf(db: Queryable, runId: string): Promise<StepRunRow[]> {
  const r = await db.query<{ run_id: string; temporal_run_id: string; pipeline: string; pipeline_version: string; step_id: string; uses: string; status: StepRunRow['status']; cache_key: string | null; code_version: string | null; reused_from: string | null; duration_ms: number | null; failure_type: string | null; error: string | null; at: Date }>(
    'SELECT * FROM step_runs WHERE run_id = $1 ORDER BY id',
    [runId],
  );
  return r.rows.map((row) => ({
    runId: row.run_id, temporalRunId: row.temporal_run_id, pipeline: row.pipeline, pipelineVersion: row.pipeline_version, stepId: row.step_id, uses: row.uses, status: row.status,
    cacheKey: row.cache_key, codeVersion: row.code_version, reusedFrom: row.reused_from, durationMs: row.duration_ms, failureType: row.failure_type, error: row.error, at: row.at.toISOString(),
  }));
}
