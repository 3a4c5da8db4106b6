// The prediction log and feedback: multi-row inserts, windows of logged requests, labelled rows for retraining.
import type { Queryable } from './db.js';
import type { RawRecord } from '../data/table.js';
import { numericLabel } from '../data/labels.js';

/** What a model answered: a classifier's label and class probabilities, or a regressor's value. */
export type LoggedOutput = { label: string; probabilities: Record<string, number> } | { value: number };

export interface PredictionLogEntry {
  /** Names this logged answer (a UUID the replica makes): a retried write stores it once. */
  logId: string;
  requestId: string;
  modelName: string;
  modelVersion: number;
  variant: 'champion' | 'challenger' | 'shadow';
  input: RawRecord;
  output: LoggedOutput;
  latencyMs: number;
}

/** Writes a batch of predictions in one statement (no per-row round trips); an entry already written is not written again. */
export async function insertPredictions(db: Queryable, entries: PredictionLogEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO predictions (request_id, model_name, model_version, variant, input, output, latency_ms, log_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::jsonb[], $6::jsonb[], $7::real[], $8::uuid[])
     ON CONFLICT (log_id) DO NOTHING`,
    [
      entries.map((e) => e.requestId),
      entries.map((e) => e.modelName),
      entries.map((e) => e.modelVersion),
      entries.map((e) => e.variant),
      entries.map((e) => JSON.stringify(e.input)),
      entries.map((e) => JSON.stringify(e.output)),
      entries.map((e) => e.latencyMs),
      entries.map((e) => e.logId),
    ],
  );
}

export { numericLabel };

export interface FeedbackEntry {
  requestId: string;
  label: string;
}

/** A label refused because the request it answers was scored by a regression model and the label is no number. */
export interface InvalidLabel {
  requestId: string;
  label: string;
}

export interface FeedbackResult {
  stored: number;
  /** Request ids that match no logged prediction (nothing is stored for them). */
  unknown: string[];
  /** Labels that are not numbers for requests a regression model scored; when any, nothing at all was stored. */
  invalid: InvalidLabel[];
}

/**
 * Stores labels in one statement. A request scored by a regressor (logged output `{ value }`) needs a finite
 * number as its label, stored in canonical form; if any label fails that, the whole batch is refused.
 */
export async function insertFeedback(db: Queryable, entries: FeedbackEntry[]): Promise<FeedbackResult> {
  const ids = entries.map((e) => e.requestId);
  const logged = await db.query<{ request_id: string; regression: boolean }>(
    `SELECT request_id, (output ? 'value') AS regression FROM predictions WHERE request_id = ANY($1::text[])`,
    [ids],
  );
  const regression = new Map(logged.rows.map((r) => [r.request_id, r.regression]));
  const accepted: FeedbackEntry[] = [];
  const invalid: InvalidLabel[] = [];
  for (const e of entries) {
    const isRegression = regression.get(e.requestId);
    if (isRegression === undefined) continue;
    if (!isRegression) {
      accepted.push(e);
      continue;
    }
    const value = numericLabel(e.label);
    if (value === null) invalid.push({ requestId: e.requestId, label: e.label });
    else accepted.push({ requestId: e.requestId, label: String(value) });
  }
  const unknown = ids.filter((id) => !regression.has(id));
  if (invalid.length > 0) return { stored: 0, unknown, invalid };
  if (accepted.length > 0) {
    await db.query(
      `INSERT INTO feedback (request_id, label) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (request_id) DO UPDATE SET label = EXCLUDED.label, created_at = now()`,
      [accepted.map((e) => e.requestId), accepted.map((e) => e.label)],
    );
  }
  return { stored: accepted.length, unknown, invalid };
}

export interface LoggedRequest {
  id: number;
  input: RawRecord;
  label: string | null;
  /** A classifier's answer; null when a regressor scored the request. */
  predicted: string | null;
  /** A regressor's answer; null when a classifier scored the request. */
  predictedValue: number | null;
}

/** Logged answers of a model with fromId < id ≤ toId, oldest first, with their labels when known (shadow answers left out). */
export async function loggedRequests(db: Queryable, modelName: string, fromId: number, toId: number): Promise<LoggedRequest[]> {
  const res = await db.query<LoggedRequest>(
    `SELECT p.id, p.input, f.label, p.output->>'label' AS predicted,
            CASE WHEN jsonb_typeof(p.output->'value') = 'number' THEN (p.output->>'value')::float8 END AS "predictedValue"
       FROM predictions p LEFT JOIN feedback f ON f.request_id = p.request_id
      WHERE p.model_name = $1 AND p.id > $2 AND p.id <= $3 AND p.variant <> 'shadow' ORDER BY p.id`,
    [modelName, fromId, toId],
  );
  return res.rows;
}

export async function lastPredictionId(db: Queryable, modelName: string): Promise<number> {
  const res = await db.query<{ max: number | null }>('SELECT MAX(id) AS max FROM predictions WHERE model_name = $1', [modelName]);
  return res.rows[0]?.max ?? 0;
}
