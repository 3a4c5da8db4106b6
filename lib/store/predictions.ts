// The prediction log and feedback: batches written with COPY (once per batch id), windows of logged requests, labels.
import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db, Queryable } from './db.js';
import type { RawRecord } from '../data/table.js';
import { numericLabel } from '../data/labels.js';
import { COPY_COLUMNS, copyRecord, instancesOf, type LogLayout, type PredictionBatch } from './predictionRows.js';
import { BinaryCopyWriter } from './pgBinary.js';
import { ID_RANGE, REQUEST_IDS } from './predictionQueries.js';
import { ensurePartitions, utcDay } from './predictionPartitions.js';

export type { LogLayout, PredictionBatch, PredictionRecord } from './predictionRows.js';

/** What the writer has made sure of already in this process: layouts written, day partitions made. */
const knownLayouts = new Set<string>();
const knownDays = new Set<string>();

async function ensureLayouts(db: Queryable, batch: PredictionBatch): Promise<void> {
  const fresh = new Map<string, { name: string; version: number; layout: LogLayout }>();
  for (const e of batch.records) {
    const key = `${e.modelName}@${e.modelVersion}`;
    if (!knownLayouts.has(key) && !fresh.has(key)) fresh.set(key, { name: e.modelName, version: e.modelVersion, layout: e.layout });
  }
  for (const [key, { name, version, layout }] of fresh) {
    // Rows logged before typed columns left an empty layout (their inputs are in `extra`): the first real one replaces it.
    await db.query(
      `INSERT INTO prediction_layouts (model_name, model_version, numeric, categorical, classes) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (model_name, model_version) DO UPDATE SET numeric = EXCLUDED.numeric, categorical = EXCLUDED.categorical
        WHERE prediction_layouts.numeric = '{}' AND prediction_layouts.categorical = '{}'`,
      [name, version, layout.numeric, layout.categorical, layout.classes],
    );
    knownLayouts.add(key);
  }
}

/**
 * Writes a batch with one binary COPY (a row per record) in one transaction, recording its id: a batch already written (a retry after an unclear
 * failure, a spill replayed twice) is skipped, so every entry is stored exactly once. Returns false when skipped.
 */
export async function writePredictionBatch(db: Pick<Db, 'connect'>, batch: PredictionBatch): Promise<boolean> {
  if (batch.records.length === 0) return true;
  try {
    return await writeOnce(db, batch);
  } catch (err) {
    // A day partition dropped behind our back (retention) is made again, once.
    if ((err as { code?: string }).code !== '23514') throw err;
    knownDays.clear();
    return writeOnce(db, batch);
  }
}

async function writeOnce(db: Pick<Db, 'connect'>, batch: PredictionBatch): Promise<boolean> {
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    const days = new Set<string>();
    let lastDay = -1;
    for (const e of batch.records) {
      const day = Math.floor(e.at / 86_400_000);
      if (day === lastDay) continue; // a batch is mostly one day: its text is made once per change
      lastDay = day;
      const text = utcDay(e.at);
      if (!knownDays.has(text)) days.add(text);
    }
    await ensurePartitions(client, days);
    for (const d of days) knownDays.add(d);
    await ensureLayouts(client, batch);
    await client.query('BEGIN');
    const fresh = await client.query('INSERT INTO prediction_batches (batch_id, rows) VALUES ($1, $2) ON CONFLICT (batch_id) DO NOTHING', [
      batch.batchId,
      instancesOf(batch.records),
    ]);
    if (fresh.rowCount === 0) {
      await client.query('ROLLBACK');
      return false;
    }
    const stream = client.query(copyFrom(`COPY prediction_requests (${COPY_COLUMNS}) FROM STDIN (FORMAT binary)`));
    const w = new BinaryCopyWriter();
    for (const r of batch.records) copyRecord(w, r);
    stream.end(w.finish());
    await finished(stream);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    broken = err as Error;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    // A connection that failed mid-COPY is not reused.
    client.release(broken);
  }
}

export { numericLabel };

/** SQL for a logged answer's input as one JSON object (needs `predictions p` joined with `prediction_layouts l`). */
export const PREDICTION_INPUT = 'mlcycle_prediction_input(l.numeric, p.num, l.categorical, p.cat, p.extra)';

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
    `SELECT p.request_id, (p.label IS NULL) AS regression FROM predictions p WHERE ${REQUEST_IDS('p', '$1')} AND p.request_id = ANY($1::text[])`,
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
    `SELECT p.id, ${PREDICTION_INPUT} AS input, f.label, p.label AS predicted, p.value AS "predictedValue"
       FROM predictions p JOIN prediction_layouts l USING (model_name, model_version) LEFT JOIN feedback f ON f.request_id = p.request_id
      WHERE p.model_name = $1 AND ${ID_RANGE('p', '$2', '$3')} AND p.id > $2 AND p.id <= $3 AND p.variant <> 'shadow' ORDER BY p.id`,
    [modelName, fromId, toId],
  );
  return res.rows;
}

export async function lastPredictionId(db: Queryable, modelName: string): Promise<number> {
  // The newest request row by index; its last instance is the highest id (an erased one included: ids are never reused).
  const res = await db.query<{ max: string }>(
    'SELECT first_id + n - 1 AS max FROM prediction_requests WHERE model_name = $1 ORDER BY first_id DESC LIMIT 1',
    [modelName],
  );
  return Number(res.rows[0]?.max ?? 0);
}
