// Micro-batching: requests for the same model that arrive within a short window are scored in one run.
import type { OnnxOutputs } from '../onnx/runtime.js';
import type { InstanceRecord } from './records.js';

/** A batch's outputs: labels + row-major [rows, classes] probabilities, or one value per row. */
export type BatchOutput = OnnxOutputs;

/** Rows [offset, offset + n) of a batch's outputs (views, not copies). */
export function sliceOutput(out: BatchOutput, offset: number, n: number): BatchOutput {
  if (out.task === 'regression') return { task: out.task, values: out.values.subarray(offset, offset + n) };
  return {
    task: out.task,
    labels: out.labels.slice(offset, offset + n),
    probabilities: out.probabilities.subarray(offset * out.classes, (offset + n) * out.classes),
    classes: out.classes,
  };
}

/** How a batch's parts are counted and joined (rows by default; the scoring pool also takes feed columns). */
export interface BatchParts<M, P> {
  size(part: P): number;
  /** The parts as one batch, in order (a copy: the batch runs after the callers may have moved on). */
  join(model: M, parts: readonly P[]): P;
}

const rowParts: BatchParts<unknown, readonly InstanceRecord[]> = {
  size: (rows) => rows.length,
  join: (_model, parts) => (parts.length === 1 ? parts[0].slice() : parts.flat()),
};

interface Waiter<P> {
  rows: P;
  size: number;
  resolve(out: BatchOutput): void;
  reject(err: unknown): void;
}

interface OpenBatch<M, P> {
  model: M;
  waiters: Waiter<P>[];
  rows: number;
  /** Closes the batch: after windowMs, or (windowMs 0) at the end of this turn of the event loop. */
  close: () => void;
}

export interface MicroBatcherOptions {
  /** How long the first request of a batch waits for others to join it; 0: requests that arrive in the same turn of
   * the event loop share a run (no added wait); below 0: no batching. */
  windowMs: number;
  /** A batch reaching this many rows runs at once; a single request this large runs alone. */
  maxRows: number;
}

/** Collects rows (or other parts) per key (a model) and hands merged batches to `run`; each caller gets back its own slice. */
export class MicroBatcher<M, P = readonly InstanceRecord[]> {
  private readonly open = new Map<string, OpenBatch<M, P>>();

  constructor(
    private readonly options: MicroBatcherOptions,
    private readonly run: (model: M, rows: P) => Promise<BatchOutput>,
    private readonly parts: BatchParts<M, P> = rowParts as BatchParts<M, P>,
  ) {}

  submit(key: string, model: M, rows: P): Promise<BatchOutput> {
    const size = this.parts.size(rows);
    if (size >= this.options.maxRows || this.options.windowMs < 0) return this.run(model, this.parts.join(model, [rows]));
    return new Promise<BatchOutput>((resolve, reject) => {
      let batch = this.open.get(key);
      if (batch && batch.rows + size > this.options.maxRows) {
        this.dispatch(key);
        batch = undefined;
      }
      if (!batch) {
        const dispatch = (): void => this.dispatch(key);
        let close: () => void;
        if (this.options.windowMs === 0) {
          const immediate = setImmediate(dispatch);
          close = () => clearImmediate(immediate);
        } else {
          const timer = setTimeout(dispatch, this.options.windowMs);
          close = () => clearTimeout(timer);
        }
        batch = { model, waiters: [], rows: 0, close };
        this.open.set(key, batch);
      }
      batch.waiters.push({ rows, size, resolve, reject });
      batch.rows += size;
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
    batch.close();
    const { waiters } = batch;
    const rows = this.parts.join(batch.model, waiters.map((w) => w.rows));
    this.run(batch.model, rows).then(
      (out) => {
        let offset = 0;
        for (const w of waiters) {
          const n = w.size;
          w.resolve(sliceOutput(out, offset, n));
          offset += n;
        }
      },
      (err: unknown) => {
        for (const w of waiters) w.reject(err);
      },
    );
  }
}
