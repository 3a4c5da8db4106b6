// A success metric read from the log: exposures per unit and variant, outcomes attributed to them, as sums over units.
import type { Queryable } from './db.js';
import type { SuccessMetric } from '../config/success.js';
import { emptyUnitSums, type UnitSums } from '../stats/unitSums.js';

/** One variant and version's evidence: sums over units (n = exposures, or 1 per unit), and the raw counts behind them. */
export interface SuccessSums {
  variant: string;
  version: number;
  sums: UnitSums;
  exposures: number;
  outcomes: number;
}

export interface SuccessWindow {
  modelName: string;
  metric: Pick<SuccessMetric, 'name' | 'kind' | 'per'>;
  /** Exposures (logged answers, not shadow) from this time on; outcomes dated from it on. */
  since: string;
  /** Exposures up to this time (a rollout: now − waitSeconds; the monitor: its window's end). */
  until: string;
}

/**
 * Per (variant, version), since `window.since`: each request id's first answer is one exposure of its unit (a resent id
 * counts once). An outcome that names its request belongs to that request's variant (when the request is an exposure
 * here); one that names its unit belongs to the variant of the unit's latest exposure at or before it (none before: not
 * counted). Per unit: n = its exposures and y = its outcomes' sum (per: exposure), or n = 1 and y = its sum (value) or
 * whether the event happened (event) (per: unit). A unit moved from champion to challenger (traffic grew) counts in both,
 * each with the outcomes after its exposure to it.
 */
export async function observeSuccess(db: Queryable, w: SuccessWindow): Promise<SuccessSums[]> {
  const perUnit = w.metric.per === 'unit';
  const n = perUnit ? '1.0' : 'x.n';
  const y = perUnit && w.metric.kind === 'event' ? 'COALESCE(o.anyv, 0)' : 'COALESCE(o.total, 0)';
  const res = await db.query<UnitSums & { variant: string; version: number; exposures: number; outcomes: number }>(
    // scans predictions: the success window by time (created_at prunes partitions and request rows before unnesting)
    `WITH exposures AS (
       SELECT DISTINCT ON (p.request_id) p.request_id, p.variant, p.model_version AS version, COALESCE(p.unit_id, p.request_id) AS unit, p.created_at AS t
         FROM predictions p
        WHERE p.model_name = $1 AND p.created_at >= $2::timestamptz AND p.created_at <= $3::timestamptz AND p.variant <> 'shadow'
        ORDER BY p.request_id, p.created_at, p.id),
     events AS (
       SELECT unit, t, 0 AS ord, variant, version, NULL::float8 AS value FROM exposures
       UNION ALL
       SELECT o.unit, o.at, 1, NULL, NULL, o.value FROM outcomes o
        WHERE o.model_name = $1 AND o.metric = $4 AND o.request_id IS NULL AND o.at >= $2::timestamptz AND o.unit IN (SELECT unit FROM exposures)),
     grouped AS (SELECT *, COUNT(variant) OVER (PARTITION BY unit ORDER BY t, ord ROWS UNBOUNDED PRECEDING) AS g FROM events),
     stamped AS (
       SELECT unit, ord, value, MAX(variant) OVER (PARTITION BY unit, g) AS variant, MAX(version) OVER (PARTITION BY unit, g) AS version FROM grouped),
     attributed AS (
       SELECT variant, version, unit, value FROM stamped WHERE ord = 1 AND variant IS NOT NULL
       UNION ALL
       SELECT e.variant, e.version, e.unit, o.value FROM outcomes o JOIN exposures e ON e.request_id = o.request_id
        WHERE o.model_name = $1 AND o.metric = $4 AND o.request_id IS NOT NULL),
     exposed AS (SELECT variant, version, unit, COUNT(*)::float8 AS n FROM exposures GROUP BY 1, 2, 3),
     outcome AS (SELECT variant, version, unit, SUM(value) AS total, MAX(value) AS anyv, COUNT(*) AS k FROM attributed GROUP BY 1, 2, 3),
     units AS (
       SELECT x.variant, x.version, ${n} AS n, ${y} AS y, x.n AS exposures, COALESCE(o.k, 0) AS k
         FROM exposed x LEFT JOIN outcome o USING (variant, version, unit))
     SELECT variant, version, COUNT(*)::int AS units, SUM(n)::float8 AS n, SUM(n * n)::float8 AS nn, SUM(y)::float8 AS y,
            SUM(y * y)::float8 AS yy, SUM(y * n)::float8 AS yn, SUM(exposures)::int AS exposures, SUM(k)::int AS outcomes
       FROM units GROUP BY variant, version ORDER BY variant, version`,
    [w.modelName, w.since, w.until, w.metric.name],
  );
  return res.rows.map((r) => ({
    variant: r.variant, version: r.version, exposures: r.exposures, outcomes: r.outcomes,
    sums: { units: r.units, n: r.n, nn: r.nn, y: r.y, yy: r.yy, yn: r.yn },
  }));
}

/** The champion's and challenger's sums from `observeSuccess` rows (other versions left out; none: empty sums). */
export function splitSuccess(rows: readonly SuccessSums[], championVersion: number, challengerVersion: number): { champion: UnitSums; challenger: UnitSums } {
  const find = (variant: string, version: number): UnitSums => rows.find((r) => r.variant === variant && r.version === version)?.sums ?? emptyUnitSums();
  return { champion: find('champion', championVersion), challenger: find('challenger', challengerVersion) };
}
