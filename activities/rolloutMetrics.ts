// The rollout check's classification metrics per variant (rollout.guardrails.metrics), from the stage's labelled answers.
import type { VariantMetrics } from '../lib/rollout/metricGuardrails.js';
import { classificationReport } from '../lib/stats/classMetrics/report.js';
import type { Queryable } from '../lib/store/db.js';
import { labelledClassRows } from '../lib/store/rolloutLabelled.js';
import type { ObservedVersions } from '../lib/store/rolloutObservations.js';

/** Values only (no intervals): a guardrail compares the challenger's value with its limit. */
export async function observeMetrics(db: Queryable, versions: ObservedVersions, since: string, shadow: boolean): Promise<VariantMetrics> {
  const rows = await labelledClassRows(db, versions, since, shadow);
  return {
    champion: rows.champion.length ? classificationReport(rows.champion, null) : null,
    challenger: rows.challenger.length ? classificationReport(rows.challenger, null) : null,
  };
}
