// Replays a CSV as live traffic: predict requests to the serving API, then the true labels as feedback.
import { readFile } from 'node:fs/promises';
import { parseCsv } from '../lib/data/csv.js';
import { recordsFromTable } from '../lib/data/records.js';
import type { RawRecord } from '../lib/data/table.js';

/** The records of a CSV file, as requests carry them (dates as ISO strings). */
export async function readRecords(csvPath: string): Promise<RawRecord[]> {
  return recordsFromTable(parseCsv(await readFile(csvPath, 'utf8'), csvPath));
}

export interface ReplayOptions {
  httpUrl: string;
  model: string;
  csvPath: string;
  target: string;
  batchSize?: number;
  /** Only the records this keeps (e.g. one year of a longer file). */
  keep?: (record: RawRecord) => boolean;
  /** What the traffic looks like by then (e.g. a unit changed upstream). */
  transform?: (record: RawRecord) => RawRecord;
  onProgress?: (sent: number, total: number) => void;
}

export interface ReplayResult {
  requests: number;
  labelled: number;
  byVariant: Record<string, number>;
}

/** POSTs JSON; a non-2xx answer throws with the API's message. */
export async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new Error(`POST ${url} → ${res.status}: ${json.message ?? JSON.stringify(json)}`);
  return json;
}

export async function replayTraffic(o: ReplayOptions): Promise<ReplayResult> {
  const records = (await readRecords(o.csvPath)).filter((r) => o.keep?.(r) ?? true).map((r) => o.transform?.(r) ?? r);
  const batchSize = o.batchSize ?? 50;
  const byVariant: Record<string, number> = {};
  let labelled = 0;
  for (let start = 0; start < records.length; start += batchSize) {
    const batch = records.slice(start, start + batchSize);
    const instances = batch.map(({ [o.target]: _label, ...features }) => features);
    const requestIds = batch.map((_, i) => `replay-${o.model}-${start + i}-${Date.now().toString(36)}`);
    const scored = await post<{ predictions: { requestId: string; variant: string }[] }>(`${o.httpUrl}/v1/models/${o.model}/predict`, {
      instances,
      requestIds,
    });
    for (const p of scored.predictions) byVariant[p.variant] = (byVariant[p.variant] ?? 0) + 1;
    const feedback = batch
      .map((r, i) => ({ requestId: requestIds[i], label: r[o.target] }))
      .filter((f) => (typeof f.label === 'string' && f.label !== '') || (typeof f.label === 'number' && Number.isFinite(f.label)))
      .map((f) => ({ requestId: f.requestId, label: String(f.label) }));
    if (feedback.length) labelled += (await post<{ stored: number }>(`${o.httpUrl}/v1/feedback`, { feedback })).stored;
    o.onProgress?.(Math.min(start + batchSize, records.length), records.length);
  }
  return { requests: records.length, labelled, byVariant };
}
