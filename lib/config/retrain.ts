// The definition's `retrain` section: when the monitor's breach starts a retraining run, and on which data.
import { z } from 'zod';

/**
 * The monitor's retraining after a breach: one run per incident, runs at least cooldownSeconds apart, only with at least
 * minNewLabels labels newer than the last retraining's data; trains on a window of labelled traffic (the last `days` by
 * prediction time, the newest `maxRows`) plus, with includeChampionData, the champion's training snapshot.
 */
const RETRAIN_DEFAULTS = { enabled: true, cooldownSeconds: 3600, minNewLabels: 100, includeChampionData: true, window: {} };
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
  })
  .strict()
  .default(RETRAIN_DEFAULTS);
