// Micro-batching: requests for the same model that arrive within a short window are scored in one run.
import type { InstanceRecord } from './feeds.js';

export interface BatchOutput {
  labels: string[];
  /** Row-major [rows, classes]. */
  probabilities: Float32Array;
  classes: number;
}

interface Waiter {
  rows: readonly InstanceRecord[];
  resolve(out: BatchOutput): void;
  reject(err: unknown): void;
}

interface OpenBatch<M> {
  model: M;
  waiters: Waiter[];
  rows: number;
  timer: NodeJS.Timeout;
}

export interface MicroBatcherOptions {
  /** How long the first request of a batch waits for others to join it. */
  windowMs: number;
  /** A batch reaching this many rows runs at once; a single request this large runs alone. */
  maxRows: number;
}

/** Collects rows per key (a model) and hands merged batches to `run`; each caller gets back its own slice. */
export class MicroBatcher<M> {
  private readonly open = new Map<string, OpenBatch<M>>();

  constructor(
    private readonly options: MicroBatcherOptions,
    private readonly run: (model: M, rows: InstanceRecord[]) => Promise<BatchOutput>,
  ) {}

  submit(key: string, model: M, rows: readonly InstanceRecord[]): Promise<BatchOutput> {
    if (rows.length >= this.options.maxRows || this.options.windowMs <= 0) return this.run(model, rows.slice());
    return new Promise<BatchOutput>((resolve, reject) => {
      let batch = this.open.get(key);
      if (batch && batch.rows + rows.length > this.options.maxRows) {
        this.dispatch(key);
        batch = undefined;
      }
      if (!batch) {
        const timer = setTimeout(() => this.dispatch(key), this.options.windowMs);
        batch = { model, waiters: [], rows: 0, timer };
        this.open.set(key, batch);
      }
      batch.waiters.push({ rows, resolve, reject });
      batch.rows += rows.length;
      if (batch.rows >= this.options.maxRows) this.dispatch(key);
    });
  }

  /** Runs every batch still waiting for its window to close. */
  flushAll(): void {
    for (const key of [...this.open.keys()]) this.dispatch(key);
  }

  private dispatch(key: string): void {
    const batch = this.open.get(key);
    if (!batch) return;
    this.open.delete(key);
    clearTimeout(batch.timer);
    const { waiters } = batch;
    const rows: InstanceRecord[] = waiters.length === 1 ? waiters[0].rows.slice() : waiters.flatMap((w) => w.rows);
    this.run(batch.model, rows).then(
      (out) => {
        let offset = 0;
        for (const w of waiters) {
          const n = w.rows.length;
          w.resolve({
            labels: out.labels.slice(offset, offset + n),
            probabilities: out.probabilities.subarray(offset * out.classes, (offset + n) * out.classes),
            classes: out.classes,
          });
          offset += n;
        }
      },
      (err: unknown) => {
        for (const w of waiters) w.reject(err);
      },
    );
  }
}
