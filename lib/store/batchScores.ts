// Batch scoring jobs in Postgres: the job, its chunks (recorded once), and each chunk execution (for audits and tests).
import type { Queryable } from './db.js';

export interface BatchJobRow {
  jobId: string;
  modelName: string;
  modelVersion: number;
  source: string;
  /** The data as planned: a Parquet file's fingerprint, or the snapshot's URI. */
  dataRef: string;
  output: string;
  rows: number;
  chunks: number;
}

export interface ChunkRow {
  chunk: number;
  rows: number;
  uri: string;
  sha256: string;
}

const JOB_COLUMNS = `job_id AS "jobId", model_name AS "modelName", model_version AS "modelVersion", source, data_ref AS "dataRef",
  output, rows, chunks`;

/** Records a job when it is planned; planning it again (a retry, a re-run of the same id) keeps the first row, returned. */
export async function recordBatchJob(db: Queryable, j: BatchJobRow): Promise<BatchJobRow> {
  await db.query(
    `INSERT INTO batch_score_jobs (job_id, model_name, model_version, source, data_ref, output, rows, chunks)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (job_id) DO NOTHING`,
    [j.jobId, j.modelName, j.modelVersion, j.source, j.dataRef, j.output, j.rows, j.chunks],
  );
  const row = await getBatchJob(db, j.jobId);
  if (!row) throw new Error(`batch job ${j.jobId} was neither inserted nor found`);
  return row;
}

export async function getBatchJob(db: Queryable, jobId: string): Promise<BatchJobRow | null> {
  const res = await db.query<BatchJobRow>(`SELECT ${JOB_COLUMNS} FROM batch_score_jobs WHERE job_id = $1`, [jobId]);
  return res.rows[0] ?? null;
}

export async function findChunk(db: Queryable, jobId: string, chunk: number): Promise<ChunkRow | null> {
  const res = await db.query<ChunkRow>('SELECT chunk, rows, uri, sha256 FROM batch_score_chunks WHERE job_id = $1 AND chunk = $2', [jobId, chunk]);
  return res.rows[0] ?? null;
}

/** Records a scored chunk; when another execution recorded it first, returns that one (the first result stands). */
export async function recordChunk(db: Queryable, jobId: string, c: ChunkRow): Promise<{ row: ChunkRow; first: boolean }> {
  const inserted = await db.query<ChunkRow>(
    `INSERT INTO batch_score_chunks (job_id, chunk, rows, uri, sha256) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (job_id, chunk) DO NOTHING RETURNING chunk, rows, uri, sha256`,
    [jobId, c.chunk, c.rows, c.uri, c.sha256],
  );
  if (inserted.rows[0]) return { row: inserted.rows[0], first: true };
  const existing = await findChunk(db, jobId, c.chunk);
  if (!existing) throw new Error(`chunk ${c.chunk} of ${jobId} was neither inserted nor found`);
  return { row: existing, first: false };
}

export async function listChunks(db: Queryable, jobId: string): Promise<ChunkRow[]> {
  return (await db.query<ChunkRow>('SELECT chunk, rows, uri, sha256 FROM batch_score_chunks WHERE job_id = $1 ORDER BY chunk', [jobId])).rows;
}

/** An execution of a chunk begins; returns its id, to close it with its outcome. */
export async function startExecution(db: Queryable, jobId: string, chunk: number, attempt: number): Promise<number> {
  const res = await db.query<{ id: number }>('INSERT INTO batch_score_executions (job_id, chunk, attempt) VALUES ($1, $2, $3) RETURNING id', [jobId, chunk, attempt]);
  return res.rows[0].id;
}

export async function finishExecution(db: Queryable, id: number, outcome: 'scored' | 'reused'): Promise<void> {
  await db.query('UPDATE batch_score_executions SET outcome = $2, finished_at = now() WHERE id = $1', [id, outcome]);
}

export async function finishBatchJob(db: Queryable, jobId: string, sha256: string): Promise<void> {
  await db.query('UPDATE batch_score_jobs SET output_sha256 = $2, finished_at = now() WHERE job_id = $1', [jobId, sha256]);
}
