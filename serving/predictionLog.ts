// The prediction log: a bounded in-memory buffer written to Postgres in batches; producers wait when it is full.
import type { Queryable } from '../lib/store/db.js';
import { insertPredictions, type PredictionLogEntry } from '../lib/store/predictions.js';

export interface PredictionLogOptions {
  /** Entries buffered before producers must wait for a flush; default 10,000. */
  capacity?: number;
  /** Entries per INSERT, and the count that starts a flush at once; default 500. */
  batchSize?: number;
  /** Longest time an entry waits in the buffer; default 200 ms. */
  intervalMs?: number;
  /** Called when a write fails (the entries stay buffered and are retried). */
  onError?: (err: unknown) => void;
}

export class PredictionLog {
  private buffer: PredictionLogEntry[] = [];
  private readonly capacity: number;
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly onError: (err: unknown) => void;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: Queryable,
    options: PredictionLogOptions = {},
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 500);
    this.capacity = Math.max(this.batchSize, options.capacity ?? 10_000);
    this.intervalMs = options.intervalMs ?? 200;
    this.onError = options.onError ?? (() => undefined);
  }

  /** Entries waiting to be written. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Buffers entries; resolves at once unless the buffer is full, then after a flush has made room. */
  async add(entries: readonly PredictionLogEntry[]): Promise<void> {
    if (this.closed) throw new Error('the prediction log is closed');
    while (this.buffer.length >= this.capacity) await this.flush();
    for (const e of entries) this.buffer.push(e);
    if (this.buffer.length >= this.batchSize) this.flushInBackground();
    else if (!this.timer) this.timer = setTimeout(() => this.flushInBackground(), this.intervalMs);
  }

  /** Writes everything buffered so far; rejects if Postgres refuses (the entries stay buffered). */
  async flush(): Promise<void> {
    // One writer at a time; a flush asked for during another one runs after it, for what is left.
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (this.buffer.length === 0) return;
    this.flushing = this.writeAll().finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  /** Writes what is left and stops the timer; later adds are refused. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.flush();
    } finally {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private flushInBackground(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush().catch((err: unknown) => {
      this.onError(err);
      // Keep the entries and try again later, unless a newer add already scheduled a flush.
      if (!this.timer && !this.closed) this.timer = setTimeout(() => this.flushInBackground(), Math.max(this.intervalMs, 1000));
    });
  }

  private async writeAll(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Only what was buffered when the flush began: under steady load a flush still ends.
    let remaining = this.buffer.length;
    while (remaining > 0) {
      const batch = this.buffer.slice(0, Math.min(this.batchSize, remaining));
      await insertPredictions(this.db, batch);
      this.buffer.splice(0, batch.length);
      remaining -= batch.length;
    }
  }
}
