// The monitor's drift section: method, thresholds, correction and dataset-drift share (test names checked against the registry); how the older keys map onto it.
import { z } from 'zod';
import { DEFAULT_DRIFT_POLICY, type DriftSuitePolicy } from '../stats/driftPolicy.js';
import { driftTests, findDriftTest } from '../stats/drift/index.js';

const known = (): string => driftTests().map((t) => t.name).join(', ');
const distances = (): string => driftTests().filter((t) => t.kind === 'distance').map((t) => t.name).join(', ');

/** 'auto' or a registered test's name. */
const method = z.string().superRefine((name, ctx) => {
  if (name !== 'auto' && !findDriftTest(name)) ctx.addIssue({ code: 'custom', message: `unknown drift test "${name}": use auto or one of ${known()}` });
});

/** Thresholds by distance test name, each above 0 and at most the test's own maximum. */
const thresholds = z.record(z.string(), z.number()).superRefine((given, ctx) => {
  for (const [name, value] of Object.entries(given)) {
    const test = findDriftTest(name);
    if (!test?.threshold) {
      const what = test ? `"${name}" is a p-value test (it uses alpha)` : `unknown drift test "${name}"`;
      ctx.addIssue({ code: 'custom', path: [name], message: `${what}: thresholds are set for the distance tests ${distances()}` });
    } else if (!(value > 0 && value <= test.threshold.max)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `the ${test.label} threshold must be above 0 and at most ${test.threshold.max} (got ${value})` });
    }
  }
});

export const driftSchema = z
  .object({
    /** 'auto' (default): Evidently's choice per column; or one test for every column it fits. */
    method: method.default('auto'),
    /** Distance thresholds (a column drifts at ≥); absent ones take the defaults (PSI: monitor.psiThreshold). */
    thresholds: thresholds.default({}),
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
    thresholds: { ...DEFAULT_DRIFT_POLICY.thresholds, psi: monitor.psiThreshold, ...d?.thresholds },
    alpha: d?.alpha ?? (method === 'ks' ? monitor.ksPValueThreshold : DEFAULT_DRIFT_POLICY.alpha),
    correction: d?.correction ?? DEFAULT_DRIFT_POLICY.correction,
    datasetDriftShare: d?.datasetDriftShare ?? DEFAULT_DRIFT_POLICY.datasetDriftShare,
  };
}
