// The monitor-memory bench's prediction log: N answers (10% shadow, 100 per request) and 10,000 new labels, and the window's bookkeeping timed against it.
import { lastAggregateId } from '../lib/store/windowAggregates.js';
import { answersLabelledSince, countLogged } from '../lib/store/labelled.js';
import { lastPredictionId } from '../lib/store/predictions.js';
import type { Db } from '../lib/store/db.js';
import { windowRows } from '../activities/monitorRows.js';

const LABELS = 10_000;

/** Narrow requests (no features: the count and the joins read ids, variants, request ids), spread over the last N/10,000 seconds. */
export async function fillLog(db: Db, model: string, n: number): Promise<number> {
  await db.query("SELECT mlcycle_prediction_partition(((now() - interval '1 hour') AT TIME ZONE 'UTC')::date), mlcycle_prediction_partition((now() AT TIME ZONE 'UTC')::date)");
  // Requests of 100 instances (10% of them shadow copies), server-made ids: one base per request (lib/store/predictionRows.ts).
  await db.query(
    `INSERT INTO prediction_requests (n, created_at, request_base, model_name, model_version, variant, label, latency_ms)
     SELECT LEAST(100, $2 - b * 100), now() - make_interval(secs => ($2 - b * 100) * 0.0001), (left(gen_random_uuid()::text, 32) || '0000')::uuid,
            $1, 1, CASE WHEN b % 10 = 0 THEN 'shadow' ELSE 'champion' END, array_fill('yes'::text, ARRAY[LEAST(100, $2 - b * 100)]), 1
       FROM generate_series(0, (($2 + 99) / 100) - 1) b`,
    [model, n],
  );
  await db.query('DELETE FROM feedback'); // the labels of earlier sizes: every window meets 10,000 new labels
  const step = Math.max(1, Math.floor(n / LABELS));
  const labels = Math.min(LABELS, Math.floor(n / step));
  const fed = await db.query(
    `INSERT INTO feedback (request_id, label) SELECT request_id, 'yes' FROM predictions WHERE model_name = $1 AND variant <> 'shadow' AND id % $2 = 0 LIMIT $3`,
    [model, step, labels],
  );
  // The replicas have counted on the profile for two hours: the window is theirs to count.
  await db.query("UPDATE drift_profiles SET created_at = now() - interval '2 hours' WHERE model_name = $1", [model]);
  await db.query('VACUUM ANALYZE prediction_requests');
  await db.query('VACUUM ANALYZE feedback');
  return fed.rowCount ?? 0;
}

export interface Bookkeeping {
  seconds: number;
  /** Of which: the window's ends and answers, and its labelled answers. */
  countSeconds: number;
  labelSeconds: number;
  rows: number;
  countedBy: string;
  labelled: number;
  /** The whole-window count the monitor made before (COUNT over the window in the log), timed for comparison. */
  fullCountSeconds: number;
}

/** What the monitor reads besides the aggregates for one window: its ends, its answers' count, the labels that arrived. */
export async function bookkeeping(db: Db, model: string): Promise<Bookkeeping> {
  const t0 = performance.now();
  const to = await lastPredictionId(db, model);
  const aggTo = await lastAggregateId(db, model);
  const { rows, countedBy } = await windowRows(db, model, 1, { from: 0, to, aggFrom: 0, aggTo }, 20_001);
  const counted = performance.now();
  const labelled = (await answersLabelledSince(db, model, null)).rows.length;
  const done = performance.now();
  const [seconds, countSeconds, labelSeconds] = [done - t0, counted - t0, done - counted].map((ms) => ms / 1000);
  const t1 = performance.now();
  await countLogged(db, model, 0, to);
  return { seconds, countSeconds, labelSeconds, rows, countedBy, labelled, fullCountSeconds: (performance.now() - t1) / 1000 };
}
