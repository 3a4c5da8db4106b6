// The definition's `events` section: where mlcycle POSTs the model's rollout and incident events, and which kinds.
import { z } from 'zod';

/** The event kinds a definition can subscribe to (contracts/webhookEvents.ts has their bodies). */
export const EVENT_KINDS = ['rollout', 'incident'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const eventsSchema = z
  .object({
    /** POSTed (signed JSON, README "Signed webhooks") at each subscribed event. */
    webhook: z.url(),
    /** The kinds sent; absent → all of them. */
    kinds: z.array(z.enum(EVENT_KINDS)).min(1).optional(),
  })
  .strict();
export type EventsPolicy = z.infer<typeof eventsSchema>;

/** The URL to POST a `kind` event to, or null when the definition does not subscribe to it. */
export function eventWebhook(events: EventsPolicy | undefined, kind: EventKind): string | null {
  if (!events) return null;
  return !events.kinds || events.kinds.includes(kind) ? events.webhook : null;
}
