// The edge log queue: predictions (and labels) kept offline, bounded, posted in batches with ids kept across retries (logged once).
import type { OnnxOutputs, OnnxTask } from '../../lib/onnx/contractOutputs.js';

export interface EdgeLogOptions {
  /** The serving API's base URL, e.g. https://ml.example.com. */
  url: string;
  /** A token with the `feedback` role (sent as a Bearer token). */
  apiKey?: string;
  /** Instances (and labels) the queue holds at most; a prediction past it is refused until flush(); default 10,000. */
  maxQueued?: number;
  /** Instances per posted batch; default 500. */
  batchSize?: number;
  /** The fetch to use; default globalThis.fetch. */
  fetch?: typeof fetch;
}

/** One predict call as the log endpoint takes it (serving/edgeLog.ts's EdgeLogBody record). */
export interface EdgeLogRecord {
  requestBase: string;
  at: number;
  latencyMs: number;
  instances: readonly Record<string, unknown>[];
  labels?: string[];
  probabilities?: number[];
  values?: number[];
}

/** What a flush posted: instances logged, instances the server had already (a resent batch), labels stored, request ids it did not know. */
export interface FlushResult {
  logged: number;
  duplicates: number;
  labels: number;
  unknownLabels: string[];
}

interface Batch {
  batchId: string;
  records: EdgeLogRecord[];
  n: number;
}

export class EdgeLog {
  private readonly queue: EdgeLogRecord[] = [];
  private instances = 0;
  /** The batch being posted or refused last: posted again under the same id, so a resent batch is logged once. */
  private pending: Batch | null = null;
  private labels: { requestId: string; label: string }[] = [];
  private readonly max: number;
  private readonly batchSize: number;

  constructor(
    private readonly options: EdgeLogOptions,
    private readonly model: string,
    private readonly version: number,
    private readonly task: OnnxTask,
    private readonly randomUUID: () => string,
  ) {
    if (typeof options.url !== 'string' || !/^https?:\/\//.test(options.url)) throw new Error(`log.url must be the serving API's http(s) URL, got ${JSON.stringify(options.url)}`);
    this.max = options.maxQueued ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
  }

  get queued(): number {
    return this.instances + (this.pending?.n ?? 0);
  }

  /** Refuses (before scoring) a prediction the queue has no room for: nothing is dropped silently. */
  assertRoom(n: number): void {
    if (this.queued + n > this.max) {
      throw new Error(`the log queue is full (${this.queued} of ${this.max} instances waiting for ${this.options.url}): call flush() before predicting more`);
    }
  }

  add(r: { requestBase: string; at: number; latencyMs: number; instances: readonly Record<string, unknown>[]; out: OnnxOutputs }): void {
    const record: EdgeLogRecord = { requestBase: r.requestBase, at: r.at, latencyMs: r.latencyMs, instances: r.instances };
    if (r.out.task === 'regression') record.values = Array.from(r.out.values);
    else {
      record.labels = r.out.labels;
      record.probabilities = Array.from(r.out.probabilities);
    }
    this.queue.push(record);
    this.instances += r.instances.length;
  }

  addLabel(requestId: string, label: string): void {
    if (this.labels.length >= this.max) throw new Error(`the label queue is full (${this.labels.length} labels): call flush() before adding more`);
    this.labels.push({ requestId, label });
  }

  private next(): Batch | null {
    if (this.pending) return this.pending;
    if (this.queue.length === 0) return null;
    const records: EdgeLogRecord[] = [];
    let n = 0;
    while (this.queue.length > 0 && (records.length === 0 || n + this.queue[0].instances.length <= this.batchSize)) {
      const r = this.queue.shift()!;
      records.push(r);
      n += r.instances.length;
    }
    this.instances -= n;
    this.pending = { batchId: this.randomUUID(), records, n };
    return this.pending;
  }

  private async post(path: string, body: unknown, accept: number[] = []): Promise<Record<string, unknown>> {
    const doFetch = this.options.fetch ?? globalThis.fetch;
    const url = `${this.options.url.replace(/\/+$/, '')}${path}`;
    let res: Response;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}) },
        body: JSON.stringify(body),
      });
    } catch (err) {
      throw new Error(`could not reach ${url} (${(err as Error).message}); the queue is kept for the next flush()`);
    }
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok && !accept.includes(res.status)) throw new Error(`${url} answered ${res.status}: ${String(answer.message ?? res.statusText)}; the queue is kept for the next flush()`);
    return answer;
  }

  /** Posts every queued batch, then the labels; the first failure rejects and keeps what is left (the failed batch under its id). */
  async flush(): Promise<FlushResult> {
    let logged = 0;
    let duplicates = 0;
    for (let batch = this.next(); batch; batch = this.next()) {
      const answer = await this.post(`/v1/models/${encodeURIComponent(this.model)}/log`, { batchId: batch.batchId, version: this.version, task: this.task, records: batch.records });
      if (answer.duplicate === true) duplicates += batch.n;
      else logged += batch.n;
      this.pending = null;
    }
    let labels = 0;
    const unknownLabels: string[] = [];
    while (this.labels.length > 0) {
      const chunk = this.labels.slice(0, 10_000);
      // 404: none of these request ids was logged (not this model's, or never predicted): kept back would block the queue.
      const answer = await this.post('/v1/feedback', { feedback: chunk }, [404]);
      this.labels.splice(0, chunk.length);
      labels += typeof answer.stored === 'number' ? answer.stored : 0;
      if (Array.isArray(answer.unknown)) unknownLabels.push(...(answer.unknown as string[]));
    }
    return { logged, duplicates, labels, unknownLabels };
  }
}
