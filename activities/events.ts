// Rollout and incident events: POSTed (signed) to the definition's events.webhook after the state is written; never fails the caller.
import { Context } from '@temporalio/activity';
import { eventWebhook, type EventKind } from '../lib/config/events.js';
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import { latestDefinition } from '../lib/store/definitions.js';
import { audit } from '../lib/store/models.js';
import { postWebhook } from '../lib/webhooks/post.js';
import type { ActivityDeps } from './deps.js';

/** The fields every event shares: `id` is the same in every delivery (a retried activity sends it again). */
type Event = { version: 1; kind: EventKind; event: string; id: string; model: string };

function note(message: string): void {
  try {
    Context.current().log.info(message);
  } catch {
    console.log(message); // called outside an activity (a client's own call, a test)
  }
}

/**
 * POSTs `e` when the model's definition (the one given, else its newest stored version) subscribes to its kind, and
 * records the outcome in the audit log (once per event id). One attempt, bounded by postWebhook's timeout; any failure is
 * logged and returned, never thrown: an unreachable receiver must not fail or hold up a rollout or a monitor run.
 */
export async function sendEvent(deps: ActivityDeps, e: Event, subject: string, definition?: PipelineDefinition): Promise<string> {
  const what = `${e.kind} ${e.event} event ${e.id}`;
  try {
    const events = (definition ?? (await latestDefinition(deps.db, e.model))?.definition)?.events;
    const url = eventWebhook(events, e.kind);
    if (!url) return `${what}: not subscribed`;
    const sent = await postWebhook(url, e);
    await audit(deps.db, 'mlcycle', `webhook_${e.kind}_${e.event}`, subject, { id: e.id, status: sent.status, said: sent.said }, `webhook/${e.id}`);
    const said = `${what}: ${sent.said}`;
    note(said);
    return said;
  } catch (err) {
    const said = `${what} not sent: ${(err as Error).message}`;
    note(said);
    return said;
  }
}
