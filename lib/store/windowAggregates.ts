// Drift profiles, the replicas' window aggregates (read back merged, a few rows at a time) and every window's drift values.
import Cursor from 'pg-cursor';
import type { Db, Queryable } from './db.js';
import { packAggregate, unpackAggregate } from './aggregateCodec.js';

export interface StoredProfile<P> {
  modelName: string;
  modelVersion: number;
  datasetId: string;
  profile: P;
}

/** Stores a champion's drift profile once (a second writer keeps the first). */
export async function saveDriftProfile<P>(db: Queryable, p: StoredProfile<P>): Promise<void> {
  await db.query(
    `INSERT INTO drift_profiles (model_name, model_version, dataset_id, profile) VALUES ($1, $2, $3, $4)
     ON CONFLICT (model_name, model_version) DO NOTHING`,
    [p.modelName, p.modelVersion, p.datasetId, JSON.stringify(p.profile)],
  );
}

export async function getDriftProfile<P>(db: Queryable, modelName: string, modelVersion: number): Promise<StoredProfile<P> | null> {
  const res = await db.query<{ dataset_id: string; profile: P }>('SELECT dataset_id, profile FROM drift_profiles WHERE model_name = $1 AND model_version = $2', [
    modelName,
    modelVersion,
  ]);
  const row = res.rows[0];
  return row ? { modelName, modelVersion, datasetId: row.dataset_id, profile: row.profile } : null;
}

/** When a model version's drift profile was stored (null: none): the replicas count on it from shortly after. */
export async function driftProfileSince(db: Queryable, modelName: string, modelVersion: number): Promise<Date | null> {
  const res = await db.query<{ at: Date }>('SELECT created_at AS at FROM drift_profiles WHERE model_name = $1 AND model_version = $2', [modelName, modelVersion]);
  return res.rows[0]?.at ?? null;
}

/** The drift profile of every deployed model's champion (what the replicas bin their traffic on). */
export async function championProfiles<P>(db: Queryable): Promise<StoredProfile<P>[]> {
  const res = await db.query<{ model_name: string; model_version: number; dataset_id: string; profile: P }>(
    `SELECT p.model_name, p.model_version, p.dataset_id, p.profile FROM drift_profiles p
       JOIN deployments d ON d.model_name = p.model_name AND d.champion_version = p.model_version`,
  );
  return res.rows.map((r) => ({ modelName: r.model_name, modelVersion: r.model_version, datasetId: r.dataset_id, profile: r.profile }));
}

export interface WindowAggregateRow<A> {
  modelName: string;
  modelVersion: number;
  variant: string;
  profileVersion: number;
  rows: number;
  aggregate: A;
  firstAt: number;
  lastAt: number;
}

/** Writes a flush's aggregates in one statement. */
export async function insertWindowAggregates<A>(db: Queryable, rows: readonly WindowAggregateRow<A>[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO window_aggregates (model_name, model_version, variant, profile_version, rows, aggregate, first_at, last_at)
     SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::bigint[], $6::jsonb[], $7::timestamptz[], $8::timestamptz[])`,
    [
      rows.map((r) => r.modelName), rows.map((r) => r.modelVersion), rows.map((r) => r.variant), rows.map((r) => r.profileVersion),
      rows.map((r) => r.rows), rows.map((r) => JSON.stringify(packAggregate(r.aggregate))),
      rows.map((r) => new Date(r.firstAt).toISOString()), rows.map((r) => new Date(r.lastAt).toISOString()),
    ],
  );
}

/** The newest aggregate id of a model (0: none): the end of a window's aggregates. */
export async function lastAggregateId(db: Queryable, modelName: string): Promise<number> {
  const res = await db.query<{ max: number | null }>('SELECT MAX(id) AS max FROM window_aggregates WHERE model_name = $1', [modelName]);
  return res.rows[0]?.max ?? 0;
}

/** The non-shadow answers the replicas counted in a model's aggregates fromId < id ≤ toId, on any profile (an index range, no aggregate read). */
export async function aggregatedRows(db: Queryable, modelName: string, fromId: number, toId: number): Promise<number> {
  const res = await db.query<{ n: string }>(
    "SELECT COALESCE(SUM(rows), 0) AS n FROM window_aggregates WHERE model_name = $1 AND id > $2 AND id <= $3 AND variant <> 'shadow'",
    [modelName, fromId, toId],
  );
  return Number(res.rows[0].n);
}

/**
 * Visits the non-shadow aggregates of a model with fromId < id ≤ toId on one profile, `batch` rows at a time (memory
 * stays that of a few aggregates however many there are); returns the rows they count.
 */
export async function forEachAggregate<A>(
  db: Db, modelName: string, profileVersion: number, fromId: number, toId: number, visit: (aggregate: A) => void, batch = 1,
): Promise<number> {
  const client = await db.connect();
  try {
    const cursor = client.query(
      new Cursor<{ aggregate: A; rows: number }>(
        `SELECT aggregate, rows FROM window_aggregates
          WHERE model_name = $1 AND profile_version = $2 AND id > $3 AND id <= $4 AND variant <> 'shadow' ORDER BY id`,
        [modelName, profileVersion, fromId, toId],
      ),
    );
    let rows = 0;
    for (;;) {
      const got = await cursor.read(batch);
      if (got.length === 0) break;
      for (const r of got) {
        rows += Number(r.rows);
        visit(unpackAggregate(r.aggregate) as A);
      }
    }
    await cursor.close();
    return rows;
  } finally {
    client.release();
  }
}

export interface DriftValueRow {
  feature: string;
  method: string;
  value: number | null;
  threshold: number | null;
  drifted: boolean;
  pValue: number | null;
  tests: Record<string, unknown>;
}

/** Stores every feature's drift value of a judged window (alert or not); a retried window keeps the first. */
export async function saveDriftValues(db: Queryable, monitorRunId: string, modelName: string, windowTo: number, values: readonly DriftValueRow[]): Promise<void> {
  if (values.length === 0) return;
  const finite = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);
  await db.query(
    `INSERT INTO drift_values (monitor_run_id, model_name, window_to, feature, method, value, threshold, drifted, p_value, tests)
     SELECT $1, $2, $3, * FROM unnest($4::text[], $5::text[], $6::float8[], $7::float8[], $8::bool[], $9::float8[], $10::jsonb[])
     ON CONFLICT (monitor_run_id, feature) DO NOTHING`,
    [
      monitorRunId, modelName, windowTo, values.map((v) => v.feature), values.map((v) => v.method), values.map((v) => finite(v.value)),
      values.map((v) => finite(v.threshold)), values.map((v) => v.drifted), values.map((v) => finite(v.pValue)), values.map((v) => JSON.stringify(v.tests)),
    ],
  );
}

export interface TrendPoint {
  windowTo: number;
  feature: string;
  method: string;
  value: number | null;
  threshold: number | null;
  drifted: boolean;
  /** feature, derived or extra (older rows: null). */
  role: string | null;
}

/** The drift values of a model's last `windows` judged windows, oldest first (for the report's trend plots). */
export async function recentDriftValues(db: Queryable, modelName: string, windows: number): Promise<TrendPoint[]> {
  const res = await db.query<TrendPoint>(
    `SELECT window_to AS "windowTo", feature, method, value, threshold, drifted, tests->>'role' AS role FROM drift_values
      WHERE model_name = $1 AND window_to IN (SELECT DISTINCT window_to FROM drift_values WHERE model_name = $1 ORDER BY window_to DESC LIMIT $2)
      ORDER BY window_to, feature`,
    [modelName, windows],
  );
  return res.rows;
}
