// What the prediction log holds for a load's ids: each answered instance once, nothing for a request refused.
import type { Db } from '../../lib/store/db.js';
import type { Answer } from './load.js';

export interface LogCheck {
  /** Instances answered 200 that the log does not hold. */
  lost: string[];
  /** Instances the log holds more than once. */
  duplicated: string[];
  /** Instances the log holds whose request was refused with 503 (the client was told to send it again). */
  refusedButLogged: string[];
  /** Instances answered 200. */
  answered: number;
}

/** Counts per client request id of `model`'s logged instances (the log keeps a client's ids as sent). */
export async function loggedCounts(db: Db, model: string): Promise<Map<string, number>> {
  const res = await db.query<{ id: string; n: number }>(
    `SELECT id, COUNT(*)::int AS n FROM prediction_requests r, unnest(r.request_ids) AS id WHERE r.model_name = $1 GROUP BY id`,
    [model],
  );
  return new Map(res.rows.map((r) => [r.id, r.n]));
}

export function checkLog(answers: readonly Answer[], logged: Map<string, number>): LogCheck {
  const ok = new Set<string>();
  const refused = new Set<string>();
  for (const a of answers) for (const id of a.ids) (a.status === 200 ? ok : a.status === 503 ? refused : null)?.add(id);
  const lost = [...ok].filter((id) => !logged.has(id));
  const duplicated = [...logged].filter(([, n]) => n > 1).map(([id]) => id);
  const refusedButLogged = [...logged.keys()].filter((id) => refused.has(id));
  return { lost, duplicated, refusedButLogged, answered: ok.size };
}
