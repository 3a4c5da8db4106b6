// Business outcomes (success metrics): the metrics a model declares, outcomes matched to logged units or requests, stored once.
import { REQUEST_IDS, UNIT_IDS } from './predictionQueries.js';
import type { Queryable } from './db.js';
import type { SuccessMetric } from '../config/success.js';

/** A success metric a model's stored definitions declare (rollout.success), the newest declaration of each name. */
export type DeclaredMetric = Pick<SuccessMetric, 'name' | 'kind'>;

export async function declaredSuccessMetrics(db: Queryable, model: string): Promise<Map<string, DeclaredMetric>> {
  const r = await db.query<{ name: string; kind: 'value' | 'event' }>(
    `SELECT DISTINCT ON (s->>'name') s->>'name' AS name, s->>'kind' AS kind
       FROM (SELECT definition->'rollout'->'success' AS s, created_at FROM pipeline_definitions WHERE name = $1) d
      WHERE s IS NOT NULL AND jsonb_typeof(s) = 'object'
      ORDER BY s->>'name', created_at DESC`,
    [model],
  );
  return new Map(r.rows.map((row) => [row.name, { name: row.name, kind: row.kind }]));
}

/** One outcome as checked by serving: its unit as logged (hashed under pii rules) or its request id; value finite. */
export interface OutcomeEntry {
  /** Where the entry was in the request body (for the refusal's message). */
  index: number;
  metric: string;
  unit?: string;
  requestId?: string;
  value: number;
  /** ISO time it happened; absent for a request: the request's prediction time. */
  at?: string;
  outcomeId?: string;
}

export interface RefusedOutcome {
  index: number;
  code: 'unknown_unit' | 'unknown_request';
  reason: string;
}

export interface OutcomeResult {
  stored: number;
  /** Entries whose idempotency key was stored before (a resend): counted once, not again. */
  duplicates: number;
  refused: RefusedOutcome[];
}

/** The idempotency key: the client's outcome id, else the request and metric, else the unit, metric and time. */
export function idempotencyKey(e: OutcomeEntry, unit: string, at: string): string {
  if (e.outcomeId !== undefined) return `id:${e.outcomeId}`;
  if (e.requestId !== undefined) return `request:${e.metric}:${e.requestId}`;
  return `unit:${e.metric}:${unit}:${new Date(at).toISOString()}`;
}

/**
 * Stores the entries whose unit (or request) the model's log knows; the others are returned as refused with the reason.
 * One multi-row insert; an entry whose key is already stored (or repeats one in the same call) counts as a duplicate.
 */
export async function insertOutcomes(db: Queryable, model: string, entries: readonly OutcomeEntry[]): Promise<OutcomeResult> {
  const units = [...new Set(entries.flatMap((e) => (e.unit !== undefined ? [e.unit] : [])))];
  const requests = [...new Set(entries.flatMap((e) => (e.requestId !== undefined ? [e.requestId] : [])))];
  // A named unit: one logged answer of the model with that unit id, or a unit-less answer routed by that request id.
  const knownUnits = new Set<string>();
  if (units.length > 0) {
    const r = await db.query<{ unit: string }>(
      `SELECT DISTINCT p.unit_id AS unit FROM predictions p WHERE p.model_name = $1 AND ${UNIT_IDS('p', '$2')} AND p.unit_id = ANY($2::text[])
       UNION SELECT p.request_id FROM predictions p
        WHERE p.model_name = $1 AND ${REQUEST_IDS('p', '$2')} AND p.unit_id IS NULL AND p.request_id = ANY($2::text[])`,
      [model, units],
    );
    for (const row of r.rows) knownUnits.add(row.unit);
  }
  const byRequest = new Map<string, { unit: string; at: string }>();
  if (requests.length > 0) {
    const r = await db.query<{ request_id: string; unit: string; at: Date }>(
      `SELECT DISTINCT ON (request_id) request_id, COALESCE(unit_id, request_id) AS unit, created_at AS at
         FROM predictions p WHERE p.model_name = $1 AND ${REQUEST_IDS('p', '$2')} AND p.request_id = ANY($2::text[]) ORDER BY request_id, created_at, id`,
      [model, requests],
    );
    for (const row of r.rows) byRequest.set(row.request_id, { unit: row.unit, at: row.at.toISOString() });
  }
  const refused: RefusedOutcome[] = [];
  const rows: { metric: string; unit: string; requestId: string | null; value: number; at: string; key: string }[] = [];
  for (const e of entries) {
    if (e.requestId !== undefined) {
      const logged = byRequest.get(e.requestId);
      if (!logged) {
        refused.push({ index: e.index, code: 'unknown_request', reason: `outcomes[${e.index}].requestId "${e.requestId}" matches no logged prediction of ${model}` });
        continue;
      }
      const at = e.at ?? logged.at;
      rows.push({ metric: e.metric, unit: logged.unit, requestId: e.requestId, value: e.value, at, key: idempotencyKey(e, logged.unit, at) });
    } else if (e.unit !== undefined && knownUnits.has(e.unit) && e.at !== undefined) {
      rows.push({ metric: e.metric, unit: e.unit, requestId: null, value: e.value, at: e.at, key: idempotencyKey(e, e.unit, e.at) });
    } else {
      refused.push({ index: e.index, code: 'unknown_unit', reason: `outcomes[${e.index}].unitId matches no logged prediction of ${model}` });
    }
  }
  let stored = 0;
  if (rows.length > 0) {
    const r = await db.query(
      `INSERT INTO outcomes (model_name, metric, unit, request_id, value, at, idempotency_key)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::float8[], $6::timestamptz[], $7::text[])
       ON CONFLICT (model_name, idempotency_key) DO NOTHING`,
      [model, rows.map((x) => x.metric), rows.map((x) => x.unit), rows.map((x) => x.requestId), rows.map((x) => x.value), rows.map((x) => x.at), rows.map((x) => x.key)],
    );
    stored = r.rowCount ?? 0;
  }
  return { stored, duplicates: rows.length - stored, refused };
}

/** Outcomes dated before the prediction log's retention (their exposures are gone): removed; returns how many. */
export async function deleteExpiredOutcomes(db: Queryable, retentionDays: number): Promise<number> {
  if (!(retentionDays > 0)) throw new RangeError(`the retention must be a positive number of days, got ${retentionDays}`);
  const r = await db.query('DELETE FROM outcomes WHERE at < now() - make_interval(days => $1::int)', [Math.ceil(retentionDays)]);
  return r.rowCount ?? 0;
}
