// Steady prediction load for the chaos suite: concurrent clients, every instance with its own request id, every answer kept.
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadOptions {
  url: string;
  model: string;
  concurrency: number;
  instancesPerRequest: number;
  /** Makes one instance's fields. */
  instance: (i: number) => Record<string, unknown>;
  /** Distinguishes this load's ids from any other's. */
  prefix: string;
  headers?: Record<string, string>;
  /** Pause between one client's requests (0: back to back). */
  pauseMs?: number;
  /** The unit of instance i (sent as unitIds), e.g. a user drawn from a fixed set. */
  unit?: (i: number) => string;
}

export interface Answer {
  ids: string[];
  units?: string[];
  status: number;
  /** The Retry-After header, when the answer had one. */
  retryAfter: string | null;
  /** When the request was sent, and when the answer (or the error) arrived, ms since the epoch. */
  sent: number;
  at: number;
  error?: string;
}

export interface Load {
  answers: Answer[];
  /** Stops the clients and waits for the requests in flight. */
  stop(): Promise<Answer[]>;
}

/** Sends request n (its instances numbered n × instancesPerRequest …) and returns what came back. */
export async function predictOnce(o: Omit<LoadOptions, 'concurrency' | 'pauseMs'>, n: number): Promise<Answer> {
  const ids = Array.from({ length: o.instancesPerRequest }, (_, k) => `${o.prefix}-${n}-${k}`);
  const units = o.unit ? ids.map((_, k) => o.unit!(n * o.instancesPerRequest + k)) : undefined;
  const body = JSON.stringify({ instances: ids.map((_, k) => o.instance(n * o.instancesPerRequest + k)), requestIds: ids, ...(units ? { unitIds: units } : {}) });
  const sent = Date.now();
  try {
    const res = await fetch(`${o.url}/v1/models/${o.model}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...o.headers }, body, signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    return { ids, units, status: res.status, retryAfter: res.headers.get('retry-after'), sent, at: Date.now() };
  } catch (err) {
    return { ids, units, status: 0, retryAfter: null, sent, at: Date.now(), error: (err as Error).message };
  }
}

/** Closed loop: `concurrency` clients, each sending its next request when the last is answered. */
export function startLoad(o: LoadOptions): Load {
  const answers: Answer[] = [];
  let seq = 0;
  let stopped = false;
  const client = async (): Promise<void> => {
    while (!stopped) {
      answers.push(await predictOnce(o, seq++));
      if (o.pauseMs) await sleep(o.pauseMs);
    }
  };
  const clients = Array.from({ length: o.concurrency }, () => client());
  return {
    answers,
    stop: async () => {
      stopped = true;
      await Promise.all(clients);
      return answers;
    },
  };
}

/** Counts of the answers by status (0: no HTTP answer). */
export function byStatus(answers: readonly Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}
