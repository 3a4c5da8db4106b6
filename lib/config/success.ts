// The rollout's success metric: a business outcome per unit (a value or an event) that decides the rollout when declared.
import { z } from 'zod';

/** Letters, digits, `_`, `.`, `-`; starts with a letter; at most 64 characters (it is a Prometheus label value too). */
export const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export const successSchema = z
  .object({
    /** What clients post outcomes under (POST /v1/models/:name/outcomes, `metric`). */
    name: z.string().regex(METRIC_NAME, { error: 'must be 1-64 letters, digits, "_", "." or "-", starting with a letter' }),
    /** value: a number (revenue, minutes saved); event: 0 or 1 (converted, clicked). */
    kind: z.enum(['value', 'event']),
    /** Which way is better for the business. */
    direction: z.enum(['increase', 'decrease']),
    /** The smallest improvement worth promoting, in the metric's units per exposure (or per unit with per: "unit"). */
    minEffect: z.number().positive().finite(),
    /**
     * exposure (the default): a ratio metric, Σ outcomes / Σ exposures over units (delta method); unit: one number per
     * unit, its sum of values (value) or whether the event happened at all (event).
     */
    per: z.enum(['exposure', 'unit']).default('exposure'),
    /** Exposures younger than this are not counted yet: their outcomes may still come (default 0). */
    waitSeconds: z.number().int().min(0).max(90 * 86_400).default(0),
  })
  .strict();

export type SuccessMetric = z.infer<typeof successSchema>;

/** The unit in which a success metric's samples are counted, in words (reports and reasons). */
export function successUnit(s: Pick<SuccessMetric, 'per'>): string {
  return s.per === 'unit' ? 'per unit' : 'per exposure';
}
