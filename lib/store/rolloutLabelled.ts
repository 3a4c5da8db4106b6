// A rollout stage's labelled classifier answers per variant, with their logged probabilities: what metric guardrails read.
import type { Queryable } from './db.js';
import type { ObservedVersions } from './rolloutObservations.js';

export interface LabelledClassRow {
  label: string;
  predicted: string;
  probabilities: number[] | null;
  classes: string[];
}

/** At most this many labelled answers per variant are read (the stage's first ones): enough for any metric's limit. */
export const STAGE_LABELLED_CAP = 50_000;

/**
 * Labelled answers since `since`, one per request id and side — its first champion answer and its first challenger
 * (split) or shadow (shadow stage) answer — of the rollout's two versions, with the version's logged classes.
 */
export async function labelledClassRows(
  db: Queryable, v: ObservedVersions, since: string, shadow: boolean, cap = STAGE_LABELLED_CAP,
): Promise<{ champion: LabelledClassRow[]; challenger: LabelledClassRow[] }> {
  const res = await db.query<LabelledClassRow & { side: string }>(
    // scans predictions: the stage's time window of one model (created_at prunes partitions), as observeSplit does
    `WITH answers AS (
       SELECT DISTINCT ON (p.request_id, p.variant = 'champion') CASE WHEN p.variant = 'champion' THEN 'champion' ELSE 'challenger' END AS side,
              p.model_version, f.label, p.label AS predicted, p.prob AS probabilities
         FROM predictions p JOIN feedback f ON f.request_id = p.request_id
        WHERE p.model_name = $1 AND p.created_at >= $2::timestamptz AND p.variant = ANY($5::text[]) AND p.label IS NOT NULL
        ORDER BY p.request_id, p.variant = 'champion', p.created_at, p.id),
     mine AS (
       SELECT a.*, row_number() OVER (PARTITION BY a.side) AS k FROM answers a
        WHERE (a.side = 'champion' AND a.model_version = $3) OR (a.side = 'challenger' AND a.model_version = $4))
     SELECT m.side, m.label, m.predicted, m.probabilities, l.classes
       FROM mine m JOIN prediction_layouts l ON l.model_name = $1 AND l.model_version = m.model_version
      WHERE m.k <= $6`,
    [v.modelName, since, v.championVersion, v.challengerVersion, ['champion', shadow ? 'shadow' : 'challenger'], cap],
  );
  const of = (side: string): LabelledClassRow[] => res.rows.filter((r) => r.side === side).map(({ side: _s, ...r }) => r);
  return { champion: of('champion'), challenger: of('challenger') };
}
