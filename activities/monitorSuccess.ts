// The monitor's success metric: per window and variant, from outcomes attributed to exposures; a floor or ceiling breaches.
import { ID_RANGE } from '../lib/store/predictionQueries.js';
import type { PipelineDefinition } from '../contracts/types.js';
import { successUnit } from '../lib/config/success.js';
import type { Queryable } from '../lib/store/db.js';
import { observeSuccess } from '../lib/store/successObservations.js';
import { ratioMean, ratioVariance } from '../lib/stats/unitSums.js';

export interface SuccessVariant {
  variant: string;
  version: number;
  units: number;
  exposures: number;
  outcomes: number;
  /** The metric per exposure (Σ outcomes / Σ exposures) or per unit, as declared; null without exposures. */
  value: number | null;
  /** Over units (delta method); null with fewer than two units. */
  standardError: number | null;
}

export interface SuccessReport {
  metric: string;
  kind: 'value' | 'event';
  per: string;
  /** The window's prediction times the exposures were taken from. */
  from: string;
  to: string;
  variants: SuccessVariant[];
  rule: string;
}

const RULE = 'exposures are the window\'s answers (each request id once); an outcome belongs to the variant its unit last met before it (or its request\'s); outcomes posted after the window was judged are not in it';

/** The success metric over the predictions with ids in (from, to]; null when the definition declares none or the window is empty. */
export async function successOfWindow(db: Queryable, pipeline: PipelineDefinition, from: number, to: number): Promise<SuccessReport | null> {
  const success = pipeline.rollout?.success;
  if (!success) return null;
  const span = await db.query<{ since: Date | null; until: Date | null }>(
    `SELECT MIN(p.created_at) AS since, MAX(p.created_at) AS until FROM predictions p
      WHERE p.model_name = $1 AND ${ID_RANGE('p', '$2', '$3')} AND p.id > $2 AND p.id <= $3`,
    [pipeline.name, from, to],
  );
  const { since, until } = span.rows[0] ?? { since: null, until: null };
  if (!since || !until) return null;
  const rows = await observeSuccess(db, { modelName: pipeline.name, metric: success, since: since.toISOString(), until: until.toISOString() });
  const variants = rows.map((r) => {
    const se = Math.sqrt(ratioVariance(r.sums, true));
    return {
      variant: r.variant, version: r.version, units: r.sums.units, exposures: r.exposures, outcomes: r.outcomes,
      value: r.sums.n > 0 ? ratioMean(r.sums) : null, standardError: Number.isFinite(se) ? se : null,
    };
  });
  return { metric: success.name, kind: success.kind, per: successUnit(success), from: since.toISOString(), to: until.toISOString(), variants, rule: RULE };
}

/** Breach reasons from retrain.whenSuccess: the champion's value below the floor or above the ceiling, with enough units. */
export function successBreaches(pipeline: PipelineDefinition, report: SuccessReport | null, championVersion: number): string[] {
  const when = pipeline.retrain.whenSuccess;
  if (!when || !report) return [];
  const champion = report.variants.find((v) => v.variant === 'champion' && v.version === championVersion);
  if (!champion || champion.value === null || champion.units < when.minUnits) return [];
  const shown = `success metric "${report.metric}" ${Number(champion.value.toPrecision(4))} ${report.per} (champion v${championVersion}, ${champion.units} units)`;
  if (when.below !== undefined && champion.value < when.below) return [`${shown} below retrain.whenSuccess.below ${when.below}`];
  if (when.above !== undefined && champion.value > when.above) return [`${shown} above retrain.whenSuccess.above ${when.above}`];
  return [];
}
