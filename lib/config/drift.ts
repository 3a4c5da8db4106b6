// The monitor's drift section: method, thresholds, correction and dataset-drift share; how the older keys map onto it.
import { z } from 'zod';
import { DEFAULT_DRIFT_POLICY, DRIFT_METHODS, type DriftMethod, type DriftSuitePolicy } from '../stats/driftPolicy.js';

const distance = z.number().positive().max(10);

export const driftSchema = z
  .object({
    /** 'auto' (default): Evidently's choice per column; or one test for every column it fits. */
    method: z.enum(['auto', ...DRIFT_METHODS] as ['auto', ...DriftMethod[]]).default('auto'),
    /** Distance thresholds (a column drifts at ≥); absent ones take the defaults (PSI: monitor.psiThreshold). */
    thresholds: z.object({ psi: distance.optional(), jensenshannon: z.number().positive().max(1).optional(), wasserstein: distance.optional() }).strict().default({}),
    /** p-value tests (KS, chi-square) flag a column when the corrected p-value is below alpha. */
    alpha: z.number().gt(0).lt(1).optional(),
    correction: z.enum(['holm', 'bh', 'none']).default('holm'),
    /** The dataset drifts when at least this share of the features drift. */
    datasetDriftShare: z.number().gt(0).max(1).default(0.5),
    /** Windows up to this many answers are judged exactly; larger ones from the replicas' aggregates. */
    exactRows: z.number().int().min(100).max(1_000_000).default(20_000),
  })
  .strict();

export type DriftConfig = z.infer<typeof driftSchema>;

/**
 * The suite's policy from a monitor section. The older keys keep working: `psiThreshold` is the PSI threshold
 * unless drift.thresholds.psi is given, and `ksPValueThreshold` is alpha when drift.method is 'ks' and
 * drift.alpha is absent (a monitor without a drift section keeps judging breaches by PSI and KS as before).
 */
export function driftPolicyOf(monitor: { psiThreshold: number; ksPValueThreshold: number; drift?: DriftConfig }): DriftSuitePolicy {
  const d = monitor.drift;
  const method = d?.method ?? 'auto';
  return {
    method,
    thresholds: {
      psi: d?.thresholds.psi ?? monitor.psiThreshold,
      jensenshannon: d?.thresholds.jensenshannon ?? DEFAULT_DRIFT_POLICY.thresholds.jensenshannon,
      wasserstein: d?.thresholds.wasserstein ?? DEFAULT_DRIFT_POLICY.thresholds.wasserstein,
    },
    alpha: d?.alpha ?? (method === 'ks' ? monitor.ksPValueThreshold : DEFAULT_DRIFT_POLICY.alpha),
    correction: d?.correction ?? DEFAULT_DRIFT_POLICY.correction,
    datasetDriftShare: d?.datasetDriftShare ?? DEFAULT_DRIFT_POLICY.datasetDriftShare,
  };
}
