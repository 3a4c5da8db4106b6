// The prediction log: a bounded buffer written to Postgres in batches; while Postgres is away it spills to a file, replayed later.
import { randomUUID } from 'node:crypto';
import { instancesOf, type PredictionBatch, type PredictionRecord } from '../lib/store/predictionRows.js';
import { SpillFile, SpillFull, SpillLineRejected } from './spill.js';

/** Writes one batch (e.g. writePredictionBatch with a pool); a batch written before, by its id, is skipped. */
export type BatchWriter = (batch: PredictionBatch) => Promise<unknown>;

export interface PredictionLogOptions {
  /** Instances buffered in memory; past it they spill (Postgres away) or producers wait for a flush; default 10,000. */
  capacity?: number;
  /** The instance count that starts a flush at once, and the size of a batch written under light load; default 500. */
  batchSize?: number;
  /** Most instances one write (one COPY) takes when more are waiting (a request's record is never cut); default 10 × batchSize. */
  maxBatchSize?: number;
  /** Longest time an entry waits in the buffer; default 200 ms. */
  intervalMs?: number;
  /** Append-only file for entries Postgres cannot take now; absent → no spill: a full buffer refuses new requests. */
  spillPath?: string;
  /** The spill's bound; past it new requests are refused (503); default 1 GiB. */
  maxSpillBytes?: number;
  /** Called when a write fails (the entries stay buffered or spilled and are retried). */
  onError?: (err: unknown) => void;
}

export class PredictionLog {
  private buffer: PredictionRecord[] = [];
  /** Instances in the buffer. */
  private buffered = 0;
  /** Batches whose write failed, with the id they were first written under (a retry that finds it written skips it). */
  private retry: PredictionBatch[] = [];
  private readonly capacity: number;
  private readonly batchSize: number;
  private readonly maxBatchSize: number;
  private readonly intervalMs: number;
  private readonly onError: (err: unknown) => void;
  private readonly spill: SpillFile | null;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  /** The last write failed: Postgres is taken to be away until one succeeds. */
  private away = false;
  /** Entries of the batch being written. */
  private inFlight = 0;

  constructor(
    private readonly writeBatch: BatchWriter,
    options: PredictionLogOptions = {},
  ) {
    this.batchSize = Math.max(1, options.batchSize ?? 500);
    this.maxBatchSize = Math.max(this.batchSize, options.maxBatchSize ?? 10 * this.batchSize);
    this.capacity = Math.max(this.batchSize, options.capacity ?? 10_000);
    this.intervalMs = options.intervalMs ?? 200;
    this.onError = options.onError ?? (() => undefined);
    this.spill = options.spillPath
      ? new SpillFile(options.spillPath, options.maxSpillBytes ?? 2 ** 30, (reason) => this.onError(new SpillLineRejected(`a spilled batch could not be read and was kept aside: ${reason}`)))
      : null;
  }

  /** Counts a spill left by an earlier process and starts replaying it. */
  async open(): Promise<void> {
    if (!this.spill) return;
    await this.spill.open();
    if (this.spill.bytes > 0) this.flushInBackground();
  }

  /** Entries waiting in memory (and being written). */
  get pending(): number {
    let retried = 0;
    for (const b of this.retry) retried += instancesOf(b.records);
    return this.buffered + retried + this.inFlight;
  }

  /** What the log holds back and how far behind it is: for /healthz and /metrics. */
  get state(): { pending: number; postgresAway: boolean; spillBytes: number; maxSpillBytes: number | null; replayLagSeconds: number; accepting: boolean } {
    const since = this.spill?.since ?? null;
    return {
      pending: this.pending, postgresAway: this.away, spillBytes: this.spill?.bytes ?? 0, maxSpillBytes: this.spill?.maxBytes ?? null,
      replayLagSeconds: since === null ? 0 : (Date.now() - since) / 1000, accepting: this.accepting,
    };
  }

  /** False when a new request's predictions could not be kept: the buffer is full while Postgres is away and the spill is full or absent. */
  get accepting(): boolean {
    if (this.closed) return false;
    if (this.pending < this.capacity || !this.away) return true;
    return this.spill !== null && !this.spill.full;
  }

  /** Keeps records: in memory, or (buffer full while Postgres is away) in the spill; waits for a flush when Postgres is merely busy. */
  async add(records: readonly PredictionRecord[]): Promise<void> {
    if (this.closed) throw new Error('the prediction log is closed');
    while (this.pending >= this.capacity) {
      if (this.away && this.spill) {
        // A full spill keeps these records in memory, past the capacity by this request: its answer is made already.
        // `accepting` now says no, so the next requests are refused before scoring.
        await this.spillBuffer().catch((err: unknown) => {
          if (!(err instanceof SpillFull)) throw err;
        });
        break; // the batch being written, if any, comes back to the buffer only if its write fails
      }
      try {
        await this.flush();
      } catch (err) {
        if (!this.spill) throw err; // with a spill, Postgres is now marked away: the next turn spills
      }
    }
    for (const r of records) {
      this.buffer.push(r);
      this.buffered += r.n;
    }
    if (this.buffered >= this.batchSize) this.flushInBackground();
    else if (!this.timer) this.timer = setTimeout(() => this.flushInBackground(), this.intervalMs);
  }

  /** Writes everything buffered so far (and replays the spill); rejects if Postgres refuses (nothing is lost). */
  async flush(): Promise<void> {
    // One writer at a time; a flush asked for during another one runs after it, for what is left.
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (this.buffer.length === 0 && this.retry.length === 0 && !(this.spill && this.spill.bytes > 0)) return;
    this.flushing = this.writeAll().finally(() => {
      this.flushing = null;
    });
    await this.flushing;
  }

  /** Drains: writes what is left, or spills it when Postgres is away; later adds are refused. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      await this.flush();
    } catch (err) {
      if (!this.spill) throw err;
      await this.spillBuffer();
    }
  }

  /** Moves failed batches (under their ids) and the buffer (in new batches) to the spill; all of it or none. */
  private async spillBuffer(): Promise<void> {
    const batches = this.retry.splice(0, this.retry.length);
    while (this.buffer.length > 0) batches.push({ batchId: randomUUID(), records: this.take(this.batchSize) });
    try {
      await this.spill?.append(batches);
    } catch (err) {
      this.retry.unshift(...batches);
      throw err;
    }
  }

  /** Takes whole records from the front of the buffer, up to `instances` (at least one record). */
  private take(instances: number): PredictionRecord[] {
    let count = 0;
    let k = 0;
    while (k < this.buffer.length && (k === 0 || count + this.buffer[k].n <= instances)) count += this.buffer[k++].n;
    this.buffered -= count;
    return this.buffer.splice(0, k);
  }

  private flushInBackground(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flush()
      .catch(async (err: unknown) => {
        this.onError(err);
        // Postgres is away: what is held goes to the spill file now, not when the buffer is full, so a crash of this
        // process loses at most the answers of one interval (the durability the README states).
        if (this.away && this.spill && !this.closed) await this.spillBuffer().catch((e: unknown) => this.onError(e));
      })
      .finally(() => {
        // Try Postgres again later, unless a newer add already scheduled a flush.
        if (this.away && !this.timer && !this.closed) this.timer = setTimeout(() => this.flushInBackground(), this.spill ? this.intervalMs : Math.max(this.intervalMs, 1000));
      });
  }

  private async write(batch: PredictionBatch): Promise<void> {
    try {
      await this.writeBatch(batch);
      this.away = false;
    } catch (err) {
      this.away = true;
      throw err;
    }
  }

  private async writeAll(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Failed batches first, under their ids; then only what was buffered when the flush began (under steady load a
    // flush still ends). A batch leaves the buffer while it is written (a spill meanwhile cannot take it too) and
    // comes back as a retried batch, under the same id, if the write fails.
    let remaining = this.buffered;
    while (this.retry.length > 0 || (remaining > 0 && this.buffer.length > 0)) {
      const retried = this.retry.shift();
      const batch = retried ?? { batchId: randomUUID(), records: this.take(Math.min(this.maxBatchSize, remaining)) };
      const size = instancesOf(batch.records);
      this.inFlight = size;
      try {
        await this.write(batch);
      } catch (err) {
        this.retry.unshift(batch);
        throw err;
      } finally {
        this.inFlight = 0;
      }
      if (!retried) remaining -= size;
    }
    // Postgres takes writes again: what was spilled goes in too (each batch once: its id dedupes).
    if (this.spill && this.spill.bytes > 0) await this.spill.replay((b) => this.write(b));
  }
}
