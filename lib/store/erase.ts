// Erasure of one subject: their logged answers (every day partition) and the labels joined to them, counted and audited.
import type { Db, Queryable } from './db.js';
import { inTransaction } from './db.js';

export interface EraseTarget {
  /** The unit id as the client sent it. */
  unit: string;
  /** Its keyed hash (MLCYCLE_PII_KEY), matched as the logged unit and as any hashed pii field; null without a key. */
  hashed: string | null;
}

export interface EraseCounts {
  /** Rows per day partition of the prediction log, by partition name. */
  partitions: { partition: string; rows: number }[];
  predictions: number;
  /** Labels (feedback rows) of the erased requests. */
  feedback: number;
  /** Business outcomes (lib/store/outcomes.ts) of the unit or of its erased requests. */
  outcomes: number;
}

export interface EraseResult extends EraseCounts {
  dryRun: boolean;
  /** The audit row written (null for a dry run). */
  auditId: number | null;
}

/**
 * A logged answer of the subject: logged under the unit (as sent, or as its hash), or holding the unit's hash in a
 * hashed pii field (a layout feature or an extra field). A hash is never a clear value, so matching it anywhere is safe.
 */
const MATCH = `(unit_id = ANY($1::text[]) OR ($2::text IS NOT NULL AND ($2::text = ANY(cat)
  OR (extra IS NOT NULL AND EXISTS (SELECT 1 FROM jsonb_each(extra) e WHERE e.value = to_jsonb($2::text))))))`;

/** An outcome of the subject: posted under the unit (as sent, or as its hash), or following one of its requests in `requests`. */
const OUTCOMES = (requests: string): string => `(o.unit = ANY($1::text[]) OR o.request_id IN (SELECT request_id FROM ${requests}))`;

function params(t: EraseTarget): unknown[] {
  return [t.hashed ? [t.unit, t.hashed] : [t.unit], t.hashed];
}

type Row = { partitions: { partition: string; rows: number }[] | null; feedback: number; outcomes: number };

function counts(row: Row): EraseCounts {
  const partitions = row.partitions ?? [];
  return { partitions, predictions: partitions.reduce((n, p) => n + p.rows, 0), feedback: row.feedback, outcomes: row.outcomes };
}

/** What an erasure would remove, without removing it. */
export async function countSubject(db: Queryable, t: EraseTarget): Promise<EraseCounts> {
  const res = await db.query<Row>(
    // scans predictions: a subject is found by its value in any column, which no index covers (erasure is rare and audited)
    `WITH hit AS (SELECT tableoid::regclass::text AS partition, request_id FROM predictions WHERE ${MATCH})
     SELECT (SELECT json_agg(x ORDER BY x.partition) FROM (SELECT partition, COUNT(*)::int AS rows FROM hit GROUP BY partition) x) AS partitions,
            (SELECT COUNT(*)::int FROM feedback f WHERE f.request_id IN (SELECT request_id FROM hit)) AS feedback,
            (SELECT COUNT(*)::int FROM outcomes o WHERE ${OUTCOMES('hit')}) AS outcomes`,
    params(t),
  );
  return counts(res.rows[0]);
}

/**
 * Removes the subject's answers from every partition and their labels, in one transaction with its audit row
 * (subject: the unit's hash, never the unit itself). Aggregates (drift counts, serving counters, monitor reports) hold
 * no unit ids and are kept.
 */
export async function eraseSubject(
  db: Db,
  t: EraseTarget,
  o: { actor: string; reason: string | null; subject: string; dryRun: boolean },
): Promise<EraseResult> {
  if (o.dryRun) return { ...(await countSubject(db, t)), dryRun: true, auditId: null };
  return inTransaction(db, async (tx) => {
    // The request rows hold many instances: each hit instance is cleared in its row (mlcycle_erase_instances, migration 016).
    const hits = await tx.query<{ partition: string; request_id: string; first_id: number; k: number }>(
      // scans predictions: as countSubject, by value in any column
      `SELECT tableoid::regclass::text AS partition, request_id, first_id, (id - first_id)::int AS k FROM predictions WHERE ${MATCH}`,
      params(t),
    );
    const byRow = new Map<number, number[]>();
    for (const h of hits.rows) byRow.set(h.first_id, [...(byRow.get(h.first_id) ?? []), h.k]);
    for (const [fid, ks] of byRow) await tx.query('SELECT mlcycle_erase_instances($1, $2)', [fid, ks]);
    const requests = hits.rows.map((h) => h.request_id);
    const res = await tx.query<Row>(
      `WITH labels AS (DELETE FROM feedback f WHERE f.request_id = ANY($2::text[]) RETURNING 1),
            results AS (DELETE FROM outcomes o WHERE (o.unit = ANY($1::text[]) OR o.request_id = ANY($2::text[])) RETURNING 1)
       SELECT (SELECT json_agg(x ORDER BY x.partition) FROM (SELECT partition, COUNT(*)::int AS rows FROM json_to_recordset($3::json) AS h(partition text)
                 GROUP BY partition) x) AS partitions,
              (SELECT COUNT(*)::int FROM labels) AS feedback, (SELECT COUNT(*)::int FROM results) AS outcomes`,
      [params(t)[0], requests, JSON.stringify(hits.rows.map((h) => ({ partition: h.partition })))],
    );
    const erased = counts(res.rows[0]);
    const audited = await tx.query<{ id: number }>(
      "INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, 'erase_unit', $2, $3) RETURNING id",
      [o.actor, o.subject, JSON.stringify({ reason: o.reason, matchedHash: t.hashed !== null, ...erased })],
    );
    return { ...erased, dryRun: false, auditId: audited.rows[0].id };
  });
}

/** Model versions whose card carries pii rules, with the id of the key that hashed their data (null: drop-only). */
export async function piiModelVersions(db: Queryable): Promise<{ name: string; version: number; keyId: string | null }[]> {
  const res = await db.query<{ name: string; version: number; keyId: string | null }>(
    `SELECT name, version, card->'pii'->>'keyId' AS "keyId" FROM model_versions WHERE card ? 'pii' ORDER BY name, version`,
  );
  return res.rows;
}
