// The prediction log's day partitions: made on demand (UTC days), dropped past the retention (with old batch ids and drift aggregates).
import type { Queryable } from './db.js';

const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) of a time in ms. */
export function utcDay(at: number): string {
  return new Date(Math.floor(at / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** Makes the partitions for these UTC days if missing (replicas may race: creating one twice is no error). */
export async function ensurePartitions(db: Queryable, days: Iterable<string>): Promise<void> {
  for (const day of days) {
    try {
      await db.query('SELECT mlcycle_prediction_partition($1::date)', [day]);
    } catch (err) {
      // Another replica made it between our check and our create.
      const code = (err as { code?: string }).code;
      if (code !== '42P07' && code !== '23505') throw err;
    }
  }
}

export interface DroppedPartitions {
  /** Partitions dropped, oldest first (predictions_YYYYMMDD). */
  dropped: string[];
  /** Written-batch records forgotten with them. */
  batches: number;
  /** Drift aggregate rows of that age deleted (monitor windows judged long ago). */
  aggregates: number;
}

/**
 * Drops the day partitions that ended more than `retentionDays` ago (whole days: a day's rows go together), and the
 * written-batch ids of that age (a retried write older than the retention cannot come back).
 */
export async function dropExpiredPartitions(db: Queryable, retentionDays: number, now = Date.now()): Promise<DroppedPartitions> {
  if (!(retentionDays > 0)) throw new RangeError(`the prediction retention must be a positive number of days, got ${retentionDays}`);
  const oldestKept = utcDay(now - retentionDays * DAY_MS).replace(/-/g, '');
  const parts = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'prediction_requests'::regclass AND c.relname ~ '^predictions_[0-9]{8}$' ORDER BY c.relname`,
  );
  const dropped: string[] = [];
  for (const { name } of parts.rows) {
    if (name.slice('predictions_'.length) >= oldestKept) break;
    await db.query(`DROP TABLE IF EXISTS "${name}"`);
    dropped.push(name);
  }
  const batches = await db.query(`DELETE FROM prediction_batches WHERE written_at < now() - make_interval(days => $1::int)`, [Math.ceil(retentionDays)]);
  const aggregates = await db.query(`DELETE FROM window_aggregates WHERE created_at < now() - make_interval(days => $1::int)`, [Math.ceil(retentionDays)]);
  return { dropped, batches: batches.rowCount ?? 0, aggregates: aggregates.rowCount ?? 0 };
}
