// Labels for predictions another replica answered a moment ago: ids not yet in the log are retried for a short grace.
import type { Queryable } from '../lib/store/db.js';
import { insertFeedback, type FeedbackEntry, type FeedbackResult } from '../lib/store/predictions.js';

/**
 * How long unknown request ids are looked for again. Every replica writes its log every 200 ms (more under load), so a
 * label sent to replica B right after replica A answered may arrive before A's batch is in PostgreSQL.
 */
export const FEEDBACK_GRACE_MS = 2000;
const POLL_MS = 100;

/** insertFeedback, then again for the ids still unknown until they are all found or the grace is over. */
export async function insertFeedbackWithGrace(db: Queryable, entries: FeedbackEntry[], graceMs = FEEDBACK_GRACE_MS): Promise<FeedbackResult> {
  const deadline = Date.now() + graceMs;
  let result = await insertFeedback(db, entries);
  let stored = result.stored;
  while (result.invalid.length === 0 && result.unknown.length > 0 && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, POLL_MS));
    const unknown = new Set(result.unknown);
    result = await insertFeedback(db, entries.filter((e) => unknown.has(e.requestId)));
    stored += result.stored;
  }
  return { ...result, stored };
}
