// The prediction log and feedback: multi-row inserts, windows of logged requests, labelled rows for retraining.
import type { Queryable } from './db.js';
import type { RawRecord } from '../data/table.js';

export interface PredictionLogEntry {
  requestId: string;
  modelName: string;
  modelVersion: number;
  variant: 'champion' | 'challenger';
  input: RawRecord;
  output: { label: string; probabilities: Record<string, number> };
  latencyMs: number;
}

/** Writes a batch of predictions in one statement (no per-row round trips). */
export async function insertPredictions(db: Queryable, entries: PredictionLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO predictions (request_id, model_name, model_version, variant, input, output, latency_ms)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::jsonb[], $6::jsonb[], $7::real[])
     ON CONFLICT (request_id) DO NOTHING`,
    [
      entries.map((e) => e.requestId),
      entries.map((e) => e.modelName),
      entries.map((e) => e.modelVersion),
      entries.map((e) => e.variant),
      entries.map((e) => JSON.stringify(e.input)),
      entries.map((e) => JSON.stringify(e.output)),
      entries.map((e) => e.latencyMs),
    ],
  );
}

export interface FeedbackEntry {
  requestId: string;
  label: string;
}

/** Stores labels; returns the request ids that match no logged prediction (nothing is stored for them). */
export async function insertFeedback(db: Queryable, entries: FeedbackEntry[]): Promise<{ stored: number; unknown: string[] }> {
  const ids = entries.map((e) => e.requestId);
  const known = new Set(
    (await db.query<{ request_id: string }>('SELECT request_id FROM predictions WHERE request_id = ANY($1::text[])', [ids])).rows.map(
      (r) => r.request_id,
    ),
  );
  const accepted = entries.filter((e) => known.has(e.requestId));
  if (accepted.length > 0) {
    await db.query(
      `INSERT INTO feedback (request_id, label) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (request_id) DO UPDATE SET label = EXCLUDED.label, created_at = now()`,
      [accepted.map((e) => e.requestId), accepted.map((e) => e.label)],
    );
  }
  return { stored: accepted.length, unknown: ids.filter((id) => !known.has(id)) };
}

export interface LoggedRequest {
  id: number;
  input: RawRecord;
  label: string | null;
  predicted: string;
}

/** Logged requests of a model with fromId < id ≤ toId, oldest first, with their labels when known. */
export async function loggedRequests(db: Queryable, modelName: string, fromId: number, toId: number): Promise<LoggedRequest[]> {
  const res = await db.query<LoggedRequest>(
    `SELECT p.id, p.input, f.label, p.output->>'label' AS predicted
       FROM predictions p LEFT JOIN feedback f ON f.request_id = p.request_id
      WHERE p.model_name = $1 AND p.id > $2 AND p.id <= $3 ORDER BY p.id`,
    [modelName, fromId, toId],
  );
  return res.rows;
}

export async function lastPredictionId(db: Queryable, modelName: string): Promise<number> {
  const res = await db.query<{ max: number | null }>('SELECT MAX(id) AS max FROM predictions WHERE model_name = $1', [modelName]);
  return res.rows[0]?.max ?? 0;
}
