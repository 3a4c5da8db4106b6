// What a rollout's check reads, as aggregates computed in Postgres: counters, latency, labelled outcomes, agreement.
import type { Queryable } from './db.js';
import type { RolloutMetric } from '../config/rollout.js';
import type { Moments } from '../stats/sequential.js';

export interface ObservedVersions {
  modelName: string;
  championVersion: number;
  challengerVersion: number;
}

const NUMERIC = `'^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$'`;

/** Per-row value of the metric for a logged answer (its `<a>label` / `<a>value` columns) and its label `label` (NULL when no number). */
function valueSql(metric: RolloutMetric, answer: string, label: string): string {
  if (metric === 'accuracy') return `CASE WHEN ${answer}label = ${label} THEN 1.0 ELSE 0.0 END`;
  const error = `(${answer}value - ${label}::float8)`;
  const guarded = (e: string): string => `CASE WHEN ${label} ~ ${NUMERIC} AND ${answer}value IS NOT NULL THEN ${e} END`;
  return guarded(metric === 'squaredError' ? `power(${error}, 2)` : `abs(${error})`);
}

export interface VariantCounts {
  requests: number;
  errors: number;
  p99LatencyMs: number | null;
  latencyRows: number;
}

/** Requests and errors (from the replicas' counters, by minute) and the p99 of logged latency, per variant, since `since`. */
export async function observeTraffic(db: Queryable, v: ObservedVersions, since: string): Promise<{ champion: VariantCounts; challenger: VariantCounts }> {
  const counters = await db.query<{ variant: string; requests: string; errors: string }>(
    `SELECT CASE WHEN variant = 'champion' THEN 'champion' ELSE 'challenger' END AS variant, SUM(requests) AS requests, SUM(errors) AS errors
       FROM serving_counters
      WHERE model_name = $1 AND minute >= date_trunc('minute', $2::timestamptz)
        AND ((variant = 'champion' AND model_version = $3) OR (variant <> 'champion' AND model_version = $4))
      GROUP BY 1`,
    [v.modelName, since, v.championVersion, v.challengerVersion],
  );
  const latency = await db.query<{ variant: string; p99: number | null; n: number }>(
    `SELECT CASE WHEN variant = 'champion' THEN 'champion' ELSE 'challenger' END AS variant,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99, COUNT(*)::int AS n
       FROM predictions
      WHERE model_name = $1 AND created_at >= $2::timestamptz
        AND ((variant = 'champion' AND model_version = $3) OR (variant <> 'champion' AND model_version = $4))
      GROUP BY 1`,
    [v.modelName, since, v.championVersion, v.challengerVersion],
  );
  const of = (variant: string): VariantCounts => {
    const c = counters.rows.find((r) => r.variant === variant);
    const l = latency.rows.find((r) => r.variant === variant);
    return { requests: Number(c?.requests ?? 0), errors: Number(c?.errors ?? 0), p99LatencyMs: l?.p99 ?? null, latencyRows: l?.n ?? 0 };
  };
  return { champion: of('champion'), challenger: of('challenger') };
}

const toMoments = (r: { n: number; mean: number | null; m2: number | null } | undefined): Moments => ({ n: r?.n ?? 0, mean: r?.mean ?? 0, m2: r?.m2 ?? 0 });

/** Labelled shadow pairs since `since`: moments of (challenger − champion) per request, and how many disagree. */
export async function observePairs(
  db: Queryable,
  v: ObservedVersions,
  metric: RolloutMetric,
  since: string,
  /** Regression: answers further apart than this disagree (classification: different labels). */
  tolerance: number,
): Promise<{ differences: Moments; pairs: number; disagree: number }> {
  const res = await db.query<{ n: number; mean: number | null; m2: number | null; pairs: number; disagree: number }>(
    `WITH pairs AS (
       SELECT s.label AS slabel, s.value AS svalue, c.label AS clabel, c.value AS cvalue, f.label FROM predictions s
         JOIN predictions c ON c.request_id = s.request_id AND c.variant = 'champion' AND c.model_name = s.model_name AND c.model_version = $3
         LEFT JOIN feedback f ON f.request_id = s.request_id
        WHERE s.model_name = $1 AND s.variant = 'shadow' AND s.model_version = $4 AND s.created_at >= $2::timestamptz),
     labelled AS (
       SELECT (${valueSql(metric, 's', 'label')}) - (${valueSql(metric, 'c', 'label')}) AS d FROM pairs WHERE label IS NOT NULL)
     SELECT (SELECT COUNT(d)::int FROM labelled) AS n, (SELECT AVG(d) FROM labelled) AS mean,
            (SELECT VAR_POP(d) * COUNT(d) FROM labelled) AS m2, (SELECT COUNT(*)::int FROM pairs) AS pairs,
            (SELECT COUNT(*)::int FROM pairs WHERE CASE WHEN slabel IS NOT NULL THEN slabel IS DISTINCT FROM clabel
                ELSE abs(svalue - cvalue) > $5 END) AS disagree`,
    [v.modelName, since, v.championVersion, v.challengerVersion, tolerance],
  );
  const r = res.rows[0];
  return { differences: toMoments(r), pairs: r?.pairs ?? 0, disagree: r?.disagree ?? 0 };
}

export interface SplitOutcomes {
  champion: Moments;
  challenger: Moments;
}

/** Labelled answers per variant since `since` (split stages): moments of the metric's per-row value. */
export async function observeSplit(db: Queryable, v: ObservedVersions, metric: RolloutMetric, since: string): Promise<SplitOutcomes> {
  const res = await db.query<{ variant: string; n: number; mean: number | null; m2: number | null }>(
    `SELECT p.variant, COUNT(x)::int AS n, AVG(x) AS mean, VAR_POP(x) * COUNT(x) AS m2 FROM (
       SELECT p.variant, ${valueSql(metric, 'p.', 'f.label')} AS x FROM predictions p JOIN feedback f ON f.request_id = p.request_id
        WHERE p.model_name = $1 AND p.created_at >= $2::timestamptz
          AND ((p.variant = 'champion' AND p.model_version = $3) OR (p.variant = 'challenger' AND p.model_version = $4))) p
     GROUP BY p.variant`,
    [v.modelName, since, v.championVersion, v.challengerVersion],
  );
  return {
    champion: toMoments(res.rows.find((r) => r.variant === 'champion')),
    challenger: toMoments(res.rows.find((r) => r.variant === 'challenger')),
  };
}

/** The latest answers of each variant since `since` (at most `limit` each): labels, or values as text, for the prediction shift. */
export async function recentAnswers(
  db: Queryable,
  v: ObservedVersions,
  since: string,
  limit: number,
): Promise<{ champion: string[]; challenger: string[] }> {
  const read = async (variantSql: string, version: number): Promise<string[]> => {
    const res = await db.query<{ a: string | null }>(
      `SELECT COALESCE(label, value::text) AS a FROM predictions
        WHERE model_name = $1 AND ${variantSql} AND model_version = $2 AND created_at >= $3::timestamptz ORDER BY id DESC LIMIT $4`,
      [v.modelName, version, since, limit],
    );
    return res.rows.map((r) => r.a).filter((a): a is string => a !== null);
  };
  return { champion: await read("variant = 'champion'", v.championVersion), challenger: await read("variant <> 'champion'", v.challengerVersion) };
}
