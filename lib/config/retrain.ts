// The definition's `retrain` section: when the monitor's breach starts a retraining run, and on which data.
import { z } from 'zod';

/**
 * The monitor's retraining after a breach: one run per incident, runs at least cooldownSeconds apart, only with at least
 * minNewLabels labels newer than the last retraining's data; trains on a window of labelled traffic (the last `days` by
 * prediction time, the newest `maxRows`) plus, with includeChampionData, the champion's training snapshot.
 */
const RETRAIN_DEFAULTS = { enabled: true, cooldownSeconds: 3600, minNewLabels: 100, includeChampionData: true, window: {} };

/**
 * The success metric (rollout.success) as a breach: the champion's value in a monitor window below `below` or above
 * `above` (per exposure or per unit, as declared), once the window has `minUnits` units, breaches it — and a breach
 * starts a retraining run like any other.
 */
export const whenSuccessSchema = z
  .object({
    below: z.number().finite().optional(),
    above: z.number().finite().optional(),
    minUnits: z.number().int().min(2).max(10_000_000).default(30),
  })
  .strict()
  .refine((w) => w.below !== undefined || w.above !== undefined, { error: 'needs below or above (the success metric\'s floor or ceiling)' });
export type WhenSuccess = z.infer<typeof whenSuccessSchema>;
export const retrainSchema = z
  .object({
    enabled: z.boolean().default(true),
    cooldownSeconds: z.number().int().min(0).max(86_400 * 90).default(3600),
    minNewLabels: z.number().int().min(0).max(100_000_000).default(100),
    includeChampionData: z.boolean().default(true),
    window: z
      .object({ days: z.number().gt(0).max(3650).optional(), maxRows: z.number().int().min(1).max(100_000_000).optional() })
      .strict()
      .default({}),
    /** Breach (and so retrain) on the success metric: absent, it is only reported. Needs rollout.success. */
    whenSuccess: whenSuccessSchema.optional(),
  })
  .strict()
  .default(RETRAIN_DEFAULTS);

/** retrain.whenSuccess names the success metric the rollout section declares: without one it has nothing to watch. */
export function checkRetrainSuccess(p: { retrain: { whenSuccess?: WhenSuccess }; rollout?: { success?: unknown } }, ctx: z.RefinementCtx): void {
  if (p.retrain.whenSuccess && !p.rollout?.success) {
    ctx.addIssue({ code: 'custom', path: ['retrain', 'whenSuccess'], message: 'needs a success metric: declare rollout.success {name, kind, direction, minEffect}' });
  }
}
