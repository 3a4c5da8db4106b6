// Labelled production data: answers joined with their labels by label time (quality windows) and retraining selections.
import { ID_RANGE, REQUEST_ID } from './predictionQueries.js';
import type { Queryable } from './db.js';
import type { RawRecord } from '../data/table.js';
import { PREDICTION_INPUT } from './predictions.js';

const TS = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export interface LabelledAnswer {
  variant: 'champion' | 'challenger' | 'shadow';
  version: number;
  label: string;
  predicted: string | null;
  predictedValue: number | null;
  /** A classifier's logged class probabilities, in the order of `classes` (its version's logged classes); null for a regressor. */
  probabilities: number[] | null;
  classes: string[] | null;
}

/**
 * Every variant's answers (shadow included) whose label arrived after `labelsAfter` (null: ever), and the newest label
 * time among them (the window's label watermark; `labelsAfter` when there is none). A label that arrives late still
 * counts, once: in the first window judged after it arrived. A request id answered more than once (a client's retry)
 * counts once: its first answer, and its first shadow answer.
 */
export async function answersLabelledSince(db: Queryable, modelName: string, labelsAfter: string | null): Promise<{ rows: LabelledAnswer[]; labelsTo: string | null }> {
  // Driven by the labels (feedback by time, then each label's answers by request id): the cost follows the labels, not the traffic.
  const res = await db.query<LabelledAnswer & { at: string }>(
    `SELECT p.variant, p.version, f.label, p.predicted, p."predictedValue", p.probabilities,
            (SELECT l.classes FROM prediction_layouts l WHERE l.model_name = $1 AND l.model_version = p.version) AS classes, ${TS('f.created_at')} AS at
       FROM feedback f CROSS JOIN LATERAL (
              SELECT DISTINCT ON (q.variant = 'shadow') q.variant, q.model_version AS version, q.label AS predicted, q.value AS "predictedValue",
                     q.prob AS probabilities
                FROM predictions q WHERE ${REQUEST_ID('q', 'f.request_id')} AND q.request_id = f.request_id AND q.model_name = $1
               ORDER BY q.variant = 'shadow', q.created_at, q.id) p
      WHERE $2::timestamptz IS NULL OR f.created_at > $2::timestamptz
      ORDER BY f.request_id, p.variant = 'shadow'`,
    [modelName, labelsAfter],
  );
  let labelsTo = labelsAfter;
  for (const r of res.rows) if (labelsTo === null || r.at > labelsTo) labelsTo = r.at;
  return { rows: res.rows.map(({ at: _at, ...r }) => r), labelsTo };
}

/** Which labelled answers a retraining run learns from: prediction ids in (from, upTo], labels up to a time, the newest maxRows. */
export interface LabelledSelection {
  fromPredictionId: number;
  upToPredictionId: number;
  /** ISO time with microseconds: labels created later are left out (so the same selection reads the same rows). */
  labelsUpTo: string | null;
  maxRows: number | null;
}

export interface LabelledRow {
  id: number;
  label: string;
  input: RawRecord;
}

/** The labelled champion/challenger answers of a selection, oldest first, a request id once (shadow rows and resent ids repeat it). */
export async function selectLabelled(db: Queryable, modelName: string, s: LabelledSelection, withInput: boolean): Promise<LabelledRow[]> {
  const res = await db.query<LabelledRow>(
    `SELECT * FROM (
       SELECT p.id, f.label, ${withInput ? `${PREDICTION_INPUT} AS input` : "'{}'::jsonb AS input"}
         FROM predictions p JOIN feedback f ON f.request_id = p.request_id
         JOIN prediction_layouts l ON l.model_name = p.model_name AND l.model_version = p.model_version
        WHERE p.model_name = $1 AND p.variant <> 'shadow' AND ${ID_RANGE('p', '$2', '$3')} AND p.id > $2 AND p.id <= $3
          AND ($4::timestamptz IS NULL OR f.created_at <= $4::timestamptz)
          AND NOT EXISTS (SELECT 1 FROM predictions e WHERE ${REQUEST_ID('e', 'p.request_id')} AND e.request_id = p.request_id AND e.model_name = p.model_name
                            AND e.variant <> 'shadow' AND e.id < p.id AND e.id > $2)
        ORDER BY p.id DESC ${s.maxRows === null ? '' : 'LIMIT $5'}) newest ORDER BY id`,
    [modelName, s.fromPredictionId, s.upToPredictionId, s.labelsUpTo, ...(s.maxRows === null ? [] : [s.maxRows])],
  );
  return res.rows;
}

/** Labelled request ids (champion/challenger answers) whose label arrived after `after` (null: all of them). */
export async function countLabelsSince(db: Queryable, modelName: string, after: string | null): Promise<number> {
  const res = await db.query<{ n: number }>(
    `SELECT COUNT(DISTINCT p.request_id)::int AS n FROM feedback f JOIN predictions p ON ${REQUEST_ID('p', 'f.request_id')} AND p.request_id = f.request_id
      WHERE p.model_name = $1 AND p.variant <> 'shadow' AND ($2::timestamptz IS NULL OR f.created_at > $2::timestamptz)`,
    [modelName, after],
  );
  return res.rows[0].n;
}

/** The database's clock, as the ISO text the selections store; and the last prediction id before `days` ago. */
export async function clockAndWindowStart(db: Queryable, modelName: string, days: number | null): Promise<{ now: string; fromPredictionId: number }> {
  const res = await db.query<{ now: string; before: number | null }>(
    `SELECT ${TS('now()')} AS now,
            CASE WHEN $2::float8 IS NULL THEN 0
                 ELSE (SELECT first_id + n - 1 FROM prediction_requests WHERE model_name = $1 AND created_at < now() - make_interval(secs => $2::float8 * 86400)
                        ORDER BY first_id DESC LIMIT 1) END AS before`,
    [modelName, days],
  );
  return { now: res.rows[0].now, fromPredictionId: res.rows[0].before ?? 0 };
}

/** Champion/challenger answers with fromId < id ≤ toId (shadow answers repeat a request: left out), counted up to `upTo` (in id order on the (model, id) index: reads at most that many). */
export async function countLogged(db: Queryable, modelName: string, fromId: number, toId: number, upTo: number | null = null): Promise<number> {
  const res = await db.query<{ n: number }>(
    // On the request rows, not the view: each row's instances in (from, to], less those erased; bounded: the first upTo rows
    // in id order (each holds at least one instance) on the (model, first_id) index.
    `SELECT LEAST(COALESCE(SUM(c), 0), $4::bigint)::int AS n FROM (
       SELECT (LEAST(r.first_id + r.n - 1, $3::bigint) - GREATEST(r.first_id, $2::bigint + 1) + 1)
              - COALESCE((SELECT COUNT(*) FROM unnest(r.erased) e WHERE r.first_id + e > $2 AND r.first_id + e <= $3), 0) AS c
         FROM prediction_requests r
        WHERE r.model_name = $1 AND r.variant <> 'shadow' AND r.first_id > $2::bigint - 16384 AND r.first_id <= $3::bigint
          AND r.first_id + r.n - 1 > $2::bigint
        ORDER BY r.first_id LIMIT $4) w`,
    [modelName, fromId, toId, upTo ?? 2 ** 53 - 1],
  );
  return res.rows[0].n;
}

/** When the first answer logged after prediction id `fromId` was given (null: none). */
export async function firstAnswerAt(db: Queryable, modelName: string, fromId: number): Promise<Date | null> {
  const res = await db.query<{ at: Date }>(
    `SELECT created_at AS at FROM prediction_requests WHERE model_name = $1 AND first_id > $2::bigint - 16384 AND first_id + n - 1 > $2::bigint
      ORDER BY first_id LIMIT 1`,
    [modelName, fromId],
  );
  return res.rows[0]?.at ?? null;
}
