// What a rollout's check reads, as aggregates computed in Postgres: counters, latency, labelled outcomes, agreement.
import { REQUEST_IDS } from './predictionQueries.js';
import type { Queryable } from './db.js';
import type { RolloutMetric } from '../config/rollout.js';
import { emptyUnitSums, type UnitSums } from '../stats/unitSums.js';

export interface ObservedVersions {
  modelName: string;
  championVersion: number;
  challengerVersion: number;
}

const NUMERIC = `'^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$'`;

const numericError = (answer: string, label: string, of: (error: string) => string): string =>
  `CASE WHEN ${label} ~ ${NUMERIC} AND ${answer}value IS NOT NULL THEN ${of(`(${answer}value - ${label}::float8)`)} END`;

/**
 * Per-row value of each metric for a logged answer (its `<a>label`, `<a>value`, `<a>prob`, `<a>model_version` columns)
 * and its label `label`; NULL where it has none (no number; no probabilities logged), so the row is not counted.
 * logLoss: −ln of the label's probability (0 for a label the version's classes lack), clipped to [1e-15, 1 − 1e-15].
 */
const VALUE_SQL: Record<RolloutMetric, (answer: string, label: string) => string> = {
  accuracy: (a, label) => `CASE WHEN ${a}label = ${label} THEN 1.0 ELSE 0.0 END`,
  logLoss: (a, label) =>
    `CASE WHEN cardinality(${a}prob) > 0 THEN -ln(LEAST(1 - 1e-15, GREATEST(1e-15, COALESCE((${a}prob)[array_position(
       (SELECT l.classes FROM prediction_layouts l WHERE l.model_name = $1 AND l.model_version = ${a}model_version), ${label})]::float8, 0)))) END`,
  squaredError: (a, label) => numericError(a, label, (e) => `power(${e}, 2)`),
  absoluteError: (a, label) => numericError(a, label, (e) => `abs(${e})`),
};
const valueSql = (metric: RolloutMetric, answer: string, label: string): string => VALUE_SQL[metric](answer, label);

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
  // scans predictions: a time window of one model; created_at and model_name are the request row's, so partitions and rows outside it are skipped
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

/** The unit a logged answer was routed by: the unit the client named, else its request id (as serving routes). */
const UNIT = (alias: string): string => `COALESCE(${alias}.unit_id, ${alias}.request_id)`;

/** Sums over the units of `table` (columns unit, n, y; one row per unit) as UnitSums columns, with `group` kept. */
function unitSumsSql(table: string, group = ''): string {
  const by = group ? `${group}, ` : '';
  return `SELECT ${by}COUNT(*)::int AS units, COALESCE(SUM(n), 0)::float8 AS n, COALESCE(SUM(n * n), 0)::float8 AS nn,
                 COALESCE(SUM(y), 0)::float8 AS y, COALESCE(SUM(y * y), 0)::float8 AS yy, COALESCE(SUM(y * n), 0)::float8 AS yn
            FROM ${table} WHERE n > 0 ${group ? `GROUP BY ${group}` : ''}`;
}

const sumsOf = (r: UnitSums | undefined): UnitSums => r ? { units: r.units, n: r.n, nn: r.nn, y: r.y, yy: r.yy, yn: r.yn } : emptyUnitSums();

export interface PairObservation {
  /** Per unit: the sum of labelled differences (challenger − champion) and how many. */
  differences: UnitSums;
  /** Per unit: requests both answered (labelled or not) and how many they answered differently, as unit sums. */
  disagreement: UnitSums;
  pairs: number;
  disagree: number;
}

/**
 * Shadow pairs since `since`, one per request id: a request's first shadow answer and the champion's first answer to
 * it (a resent request id adds nothing). Differences and disagreements as sums over the units the requests came from.
 */
export async function observePairs(
  db: Queryable,
  v: ObservedVersions,
  metric: RolloutMetric,
  since: string,
  /** Regression: answers further apart than this disagree (classification: different labels). */
  tolerance: number,
): Promise<PairObservation> {
  const res = await db.query<UnitSums & { part: string }>(
    `WITH shadow AS (
       SELECT DISTINCT ON (s.request_id) s.request_id, s.label AS slabel, s.value AS svalue, s.prob AS sprob, s.model_version AS smodel_version,
              ${UNIT('s')} AS unit FROM predictions s
        WHERE s.model_name = $1 AND s.variant = 'shadow' AND s.model_version = $4 AND s.created_at >= $2::timestamptz
        ORDER BY s.request_id, s.created_at, s.id),
     champion AS (
       SELECT DISTINCT ON (c.request_id) c.request_id, c.label AS clabel, c.value AS cvalue, c.prob AS cprob, c.model_version AS cmodel_version FROM predictions c
        WHERE c.model_name = $1 AND c.variant = 'champion' AND c.model_version = $3
          AND ${REQUEST_IDS('c', '(SELECT array_agg(request_id) FROM shadow)')} AND c.request_id IN (SELECT request_id FROM shadow)
        ORDER BY c.request_id, c.created_at, c.id),
     pairs AS (
       SELECT s.unit, f.label, s.slabel, s.svalue, s.sprob, s.smodel_version, c.clabel, c.cvalue, c.cprob, c.cmodel_version,
              CASE WHEN s.slabel IS NOT NULL THEN s.slabel IS DISTINCT FROM c.clabel ELSE abs(s.svalue - c.cvalue) > $5 END AS differs
         FROM shadow s JOIN champion c USING (request_id) LEFT JOIN feedback f ON f.request_id = s.request_id),
     labelled AS (
       SELECT unit, COUNT(d)::float8 AS n, SUM(d) AS y FROM (
         SELECT unit, (${valueSql(metric, 's', 'label')}) - (${valueSql(metric, 'c', 'label')}) AS d FROM pairs WHERE label IS NOT NULL) x
        GROUP BY unit),
     agreement AS (
       SELECT unit, COUNT(*)::float8 AS n, SUM(CASE WHEN differs THEN 1.0 ELSE 0.0 END) AS y FROM pairs GROUP BY unit)
     SELECT 'differences' AS part, * FROM (${unitSumsSql('labelled')}) d
     UNION ALL SELECT 'disagreement', * FROM (${unitSumsSql('agreement')}) a`,
    [v.modelName, since, v.championVersion, v.challengerVersion, tolerance],
  );
  const differences = sumsOf(res.rows.find((r) => r.part === 'differences'));
  const disagreement = sumsOf(res.rows.find((r) => r.part === 'disagreement'));
  return { differences, disagreement, pairs: disagreement.n, disagree: disagreement.y };
}

export interface SplitOutcomes {
  champion: UnitSums;
  challenger: UnitSums;
}

/**
 * Labelled answers per variant since `since` (split stages), one per request id — its first champion or challenger
 * answer in the window, so a resent request id counts once — as sums over units of the metric's per-row values.
 */
export async function observeSplit(db: Queryable, v: ObservedVersions, metric: RolloutMetric, since: string): Promise<SplitOutcomes> {
  const res = await db.query<UnitSums & { variant: string }>(
    // scans predictions: the stage's time window (created_at prunes partitions and request rows before unnesting)
    `WITH answers AS (
       SELECT DISTINCT ON (p.request_id) p.variant, p.model_version, ${UNIT('p')} AS unit, ${valueSql(metric, 'p.', 'f.label')} AS x
         FROM predictions p JOIN feedback f ON f.request_id = p.request_id
        WHERE p.model_name = $1 AND p.created_at >= $2::timestamptz AND p.variant <> 'shadow'
        ORDER BY p.request_id, p.created_at, p.id),
     units AS (
       SELECT variant, unit, COUNT(x)::float8 AS n, SUM(x) AS y FROM answers
        WHERE (variant = 'champion' AND model_version = $3) OR (variant = 'challenger' AND model_version = $4)
        GROUP BY variant, unit)
     ${unitSumsSql('units', 'variant')}`,
    [v.modelName, since, v.championVersion, v.challengerVersion],
  );
  return {
    champion: sumsOf(res.rows.find((r) => r.variant === 'champion')),
    challenger: sumsOf(res.rows.find((r) => r.variant === 'challenger')),
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
      // scans predictions: the stage's time window, newest first
      `SELECT COALESCE(label, value::text) AS a FROM predictions
        WHERE model_name = $1 AND ${variantSql} AND model_version = $2 AND created_at >= $3::timestamptz ORDER BY id DESC LIMIT $4`,
      [v.modelName, version, since, limit],
    );
    return res.rows.map((r) => r.a).filter((a): a is string => a !== null);
  };
  return { champion: await read("variant = 'champion'", v.championVersion), challenger: await read("variant <> 'champion'", v.challengerVersion) };
}
