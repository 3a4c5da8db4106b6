// Live traffic for the demo: records drawn at random (seeded) from labelled days, sent by units, labelled as feedback.
import { randomUUID } from 'node:crypto';
import type { RawRecord } from '../lib/data/table.js';
import { post } from './replay.js';

export interface LiveTrafficOptions {
  httpUrl: string;
  model: string;
  records: readonly RawRecord[];
  target: string;
  /** Units (users) the requests come from; a unit always meets the same variant. */
  units?: number;
  batchSize?: number;
  seed?: number;
  stop(): boolean;
}

export interface LiveTrafficResult {
  requests: number;
  labelled: number;
  /** Answers per variant@version. */
  answeredBy: Record<string, number>;
}

/** Sends batches until `stop()`; each instance is a record drawn with replacement, its label posted right after. */
export async function liveTraffic(o: LiveTrafficOptions): Promise<LiveTrafficResult> {
  let seed = o.seed ?? 2015;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const result: LiveTrafficResult = { requests: 0, labelled: 0, answeredBy: {} };
  const size = o.batchSize ?? 25;
  while (!o.stop()) {
    const batch = Array.from({ length: size }, () => o.records[Math.floor(rand() * o.records.length)]);
    const requestIds = batch.map(() => randomUUID());
    const unitIds = batch.map(() => `user-${Math.floor(rand() * (o.units ?? 500))}`);
    const instances = batch.map(({ [o.target]: _label, ...features }) => features);
    const scored = await post<{ predictions: { variant: string; version: number }[] }>(`${o.httpUrl}/v1/models/${o.model}/predict`, { instances, requestIds, unitIds });
    for (const p of scored.predictions) result.answeredBy[`${p.variant}@v${p.version}`] = (result.answeredBy[`${p.variant}@v${p.version}`] ?? 0) + 1;
    result.requests += batch.length;
    const feedback = batch.map((r, i) => ({ requestId: requestIds[i], label: String(r[o.target]) }));
    result.labelled += (await post<{ stored: number }>(`${o.httpUrl}/v1/feedback`, { feedback })).stored;
    await new Promise((r) => setTimeout(r, 25));
  }
  return result;
}
