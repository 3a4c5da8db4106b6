// Log lag, measured from the store: for a sample of answered requests, the time from the answer until its row is queryable by request id.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../lib/store/db.js';
import { REQUEST_IDS } from '../../lib/store/predictionQueries.js';
import type { Answer } from './load.js';

export interface LagProbe {
  /** Follows this answer's first instance when it was answered 200. */
  follow(a: Answer): void;
  /** Waits (up to timeoutMs) for every followed id, stops polling; returns the lags (ms) and the ids never seen. */
  finish(timeoutMs: number): Promise<{ lags: number[]; unseen: string[] }>;
}

/**
 * Polls prediction_requests every `everyMs` for the followed ids still unseen (by the request-id index, as readers must);
 * an id's lag is the end of the poll that first returned it minus its answer's arrival, so it overstates by at most one poll.
 */
export function startLagProbe(db: Db, model: string, everyMs = 20): LagProbe {
  const pending = new Map<string, number>();
  const lags: number[] = [];
  let stopped = false;
  let failure: Error | undefined;
  const loop = (async (): Promise<void> => {
    while (!stopped) {
      if (pending.size > 0) {
        const ids = [...pending.keys()];
        const res = await db.query<{ id: string }>(
          `SELECT DISTINCT id FROM prediction_requests r, unnest(r.request_ids) AS id
           WHERE r.model_name = $1 AND ${REQUEST_IDS('r', '$2')} AND id = ANY($2::text[])`,
          [model, ids],
        );
        const now = Date.now();
        for (const { id } of res.rows) {
          const at = pending.get(id);
          if (at === undefined) continue;
          lags.push(now - at);
          pending.delete(id);
        }
      }
      await sleep(everyMs);
    }
  })().catch((err: Error) => void (failure = err));
  return {
    follow: (a) => {
      if (a.status === 200 && a.ids.length > 0) pending.set(a.ids[0], a.at);
    },
    finish: async (timeoutMs) => {
      const until = Date.now() + timeoutMs;
      while (pending.size > 0 && !failure && Date.now() < until) await sleep(50);
      stopped = true;
      await loop;
      if (failure) throw failure;
      return { lags, unseen: [...pending.keys()] };
    },
  };
}
