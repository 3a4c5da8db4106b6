// The outcomes API's body (zod): business outcomes of units or requests, each refused by its path when malformed.
import { z } from 'zod';

export const MAX_OUTCOMES = 10_000;

const id = z.string({ error: 'must be a string' }).min(1, { error: 'must be 1-128 characters' }).max(128, { error: 'must be 1-128 characters' });

/** How far ahead of the server's clock an outcome's time may be (clock skew), not more. */
export const FUTURE_SKEW_MS = 5 * 60_000;

const entry = z
  .object(
    {
      /** The unit (user, device) the outcome belongs to, as sent with its predictions (unitIds or the unit header). */
      unitId: id.optional(),
      /** Or the request it follows (then it belongs to that request's variant). */
      requestId: id.optional(),
      metric: z.string({ error: 'must be a string naming a success metric' }).min(1, { error: 'must not be empty' }).max(64, { error: 'must be at most 64 characters' }),
      /** A value metric's number; an event's 0 or 1 (absent: 1, it happened). */
      value: z.number({ error: (iss) => (typeof iss.input === 'number' ? 'must be a finite number' : 'must be a number') }).optional(),
      /** When it happened (ISO 8601 with a zone); required with unitId. */
      at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone, e.g. 2026-12-05T10:00:00Z' }).optional(),
      /** The client's id of this outcome: a resend under the same id counts once. */
      outcomeId: id.optional(),
    },
    {
      error: (iss) => (iss.code === 'unrecognized_keys' ? `has unknown field(s) ${iss.keys.join(', ')}` : 'must be an object {unitId or requestId, metric, value, at?, outcomeId?}'),
    },
  )
  .strict()
  .superRefine((e, ctx) => {
    if ((e.unitId === undefined) === (e.requestId === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs exactly one of unitId and requestId' });
    }
    if (e.unitId !== undefined && e.at === undefined) {
      ctx.addIssue({ code: 'custom', path: ['at'], message: 'is required with unitId: the outcome belongs to the variant the unit met before it' });
    }
    if (e.at !== undefined && Date.parse(e.at) > Date.now() + FUTURE_SKEW_MS) {
      ctx.addIssue({ code: 'custom', path: ['at'], message: 'is in the future' });
    }
  });

export const OutcomesBody = z.object(
  {
    outcomes: z
      .array(entry, { error: (iss) => (iss.input === undefined ? 'is required: an array of {unitId or requestId, metric, value, at}' : 'must be an array of outcomes') })
      .min(1, { error: 'must not be empty' })
      .max(MAX_OUTCOMES, { error: (iss) => `has ${Array.isArray(iss.input) ? iss.input.length : '?'} entries; at most ${MAX_OUTCOMES} per request` }),
  },
  { error: 'body must be a JSON object' },
).strict();
export type OutcomesBody = z.infer<typeof OutcomesBody>;

/** A refusal's code for the counter, from the first problem's path and message. */
export function refusalCode(path: readonly PropertyKey[], message: string): string {
  const field = path.length >= 3 ? String(path[2]) : '';
  if (field === 'value') return message.includes('finite') ? 'value_not_finite' : 'value_not_a_number';
  if (field === 'at') return 'at_invalid';
  if (field === 'metric') return 'metric_invalid';
  if (field === 'unitId' || field === 'requestId') return 'id_invalid';
  if (path.length === 2) return 'entry_invalid';
  return 'body_invalid';
}
