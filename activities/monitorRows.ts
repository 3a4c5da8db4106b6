// How many answers a monitor window holds, without reading the whole window: few are counted in the log, many by the replicas' aggregates.
import type { Queryable } from '../lib/store/db.js';
import { countLogged, firstAnswerAt } from '../lib/store/labelled.js';
import { aggregatedRows, driftProfileSince } from '../lib/store/windowAggregates.js';

/**
 * A replica reads a new profile within seconds of answering for a model without one (and every 30 s anyway): a window
 * whose first answer came this long after the champion's profile was stored was counted by every replica.
 */
export const PROFILE_SETTLE_MS = 60_000;

export interface WindowRows {
  rows: number;
  /** Where the count comes from: the prediction log, or the replicas' aggregates of the window. */
  countedBy: 'log' | 'aggregates';
}

/**
 * The window's champion/challenger answers (prediction ids from < id ≤ to; aggregates aggFrom < id ≤ aggTo). The log
 * is read for at most `cap` answers; a larger window is counted by the aggregates when the replicas had been counting on
 * the champion's profile since before it began, else (a new profile, or no aggregates) by the log, in full.
 */
export async function windowRows(
  db: Queryable, modelName: string, championVersion: number, w: { from: number; to: number; aggFrom: number; aggTo: number }, cap: number,
): Promise<WindowRows> {
  if (w.to <= w.from) return { rows: 0, countedBy: 'log' };
  const few = await countLogged(db, modelName, w.from, w.to, cap);
  if (few < cap) return { rows: few, countedBy: 'log' };
  const since = await driftProfileSince(db, modelName, championVersion);
  const start = since ? await firstAnswerAt(db, modelName, w.from) : null;
  if (since && start && since.getTime() + PROFILE_SETTLE_MS <= start.getTime()) {
    const counted = await aggregatedRows(db, modelName, w.aggFrom, w.aggTo);
    if (counted >= cap) return { rows: counted, countedBy: 'aggregates' };
  }
  return { rows: await countLogged(db, modelName, w.from, w.to), countedBy: 'log' };
}
