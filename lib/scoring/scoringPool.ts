// The scoring pool: worker threads (piscina) that run onnxruntime, fed by a per-model micro-batcher.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { InputField } from '../report/modelCard.js';
import { feedColumns, type FeedColumns } from '../onnx/feeds.js';
import type { OnnxTask } from '../onnx/runtime.js';
import { warmUpRow, type InstanceRecord } from './records.js';
import { MicroBatcher, type BatchOutput } from './microBatcher.js';
import type { ModelSource, ScoreTask, ScoreTaskResult } from './scoringWorker.js';
import { MODEL_NOT_LOADED } from './taskMessages.js';
import { tsThreadOptions } from '../threads/entry.js';

export type { ModelSource } from './scoringWorker.js';
export type ScoreResult = BatchOutput;

/** What a call scores: checked rows, or their feed columns already made (n rows; the pool owns them: they go to a thread). */
type ScorePart = { rows: readonly InstanceRecord[] } | { feeds: FeedColumns; n: number };

const partSize = (p: ScorePart): number => ('rows' in p ? p.rows.length : p.n);

/** Parts as one batch: rows joined as rows; with any feeds, every part's feed columns joined input by input. */
function joinParts(model: ScoringModel, parts: readonly ScorePart[]): ScorePart {
  if (parts.every((p) => 'rows' in p)) return { rows: parts.length === 1 ? parts[0].rows.slice() : parts.flatMap((p) => p.rows) };
  if (parts.length === 1) return parts[0];
  const columns = parts.map((p) => ('rows' in p ? feedColumns(model.inputs, p.rows) : p.feeds));
  const n = parts.reduce((sum, p) => sum + partSize(p), 0);
  const feeds: FeedColumns = {};
  for (const { name, kind } of model.inputs) {
    if (kind === 'numeric') {
      const joined = new Float32Array(n);
      let at = 0;
      for (const c of columns) {
        joined.set(c[name] as Float32Array, at);
        at += c[name].length;
      }
      feeds[name] = joined;
    } else {
      feeds[name] = columns.flatMap((c) => c[name] as string[]);
    }
  }
  return { feeds, n };
}

/** A model as the pool scores it: its hash (the session key), where to load it from, its inputs and task. */
export interface ScoringModel {
  sha256: string;
  source: ModelSource;
  inputs: readonly InputField[];
  /** Which outputs the model answers with: label + probabilities, or prediction. */
  task: OnnxTask;
}

export interface ScoringPoolOptions {
  /** Worker threads; default: the machine's parallelism, at most 8. */
  threads?: number;
  /** Micro-batch window in ms: 0 = requests that arrive in the same event-loop turn share a run, below 0 = off; default 0. */
  batchWindowMs?: number;
  /** Rows that make a batch run at once; default 4096. */
  maxBatchRows?: number;
}

const THREADS = tsThreadOptions(new URL('./scoringWorker.ts', import.meta.url));

/** Puts model bytes in shared memory, so every task can carry them to any thread without a copy. */
export function sharedModelSource(bytes: Uint8Array): ModelSource {
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  return { bytes: shared };
}

export class ScoringPool {
  readonly threads: number;
  private started = 0;
  private readonly piscina: Piscina<ScoreTask, ScoreTaskResult>;
  private readonly batcher: MicroBatcher<ScoringModel, ScorePart>;
  private closed = false;
  /** Per model: how many more tasks carry its source (after a thread was found without its session). */
  private readonly sourceOwed = new Map<string, number>();

  constructor(options: ScoringPoolOptions = {}) {
    this.threads = Math.max(1, Math.floor(options.threads ?? Math.min(8, availableParallelism())));
    this.piscina = new Piscina<ScoreTask, ScoreTaskResult>({
      ...THREADS,
      minThreads: this.threads,
      maxThreads: this.threads,
      concurrentTasksPerWorker: 1, // run() blocks its thread: one task at a time
    });
    this.batcher = new MicroBatcher<ScoringModel, ScorePart>(
      { windowMs: options.batchWindowMs ?? 0, maxRows: options.maxBatchRows ?? 4096 },
      (model, part) => this.runBatch(model, part),
      { size: partSize, join: joinParts },
    );
  }

  /** Worker tasks started so far (a merged micro-batch counts once). */
  /** Scoring tasks waiting for a thread. */
  get queueDepth(): number {
    return this.piscina.queueSize;
  }

  get runs(): number {
    return this.started;
  }

  /** Scores rows (already checked against the model's inputs); concurrent calls for one model may share a run. */
  score(model: ScoringModel, rows: readonly InstanceRecord[]): Promise<ScoreResult> {
    if (this.closed) return Promise.reject(new Error('the scoring pool is closed'));
    if (rows.length === 0) return Promise.resolve(emptyResult(model.task));
    return this.batcher.submit(batchKey(model), model, { rows });
  }

  /**
   * Scores n rows given as the model's feed columns (feedColumns' conventions: NaN and "" missing), made by the caller
   * from checked rows; the columns become the pool's (they are moved to a scoring thread).
   */
  scoreFeeds(model: ScoringModel, feeds: FeedColumns, n: number): Promise<ScoreResult> {
    if (this.closed) return Promise.reject(new Error('the scoring pool is closed'));
    if (n === 0) return Promise.resolve(emptyResult(model.task));
    return this.batcher.submit(batchKey(model), model, { feeds, n });
  }

  /**
   * Loads the model and scores one neutral row on every thread (as far as the pool spreads concurrent
   * tasks; a thread it missed loads the model on its first request). Rejects if the model cannot run.
   */
  async warm(model: ScoringModel): Promise<ScoreResult> {
    const row = [warmUpRow(model.inputs)];
    this.sourceOwed.set(model.sha256, 4 * this.threads); // a thread the warm-up missed loads it from one of the next tasks
    const results = await Promise.all(Array.from({ length: this.threads }, () => this.runBatch(model, { rows: row }, true)));
    return results[0];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.batcher.flushAll();
    await this.piscina.close();
  }

  /**
   * One task on a thread. The model's source (shared memory, whose cloning costs a message more than its rows) goes with
   * a warm-up, and with the next few tasks after a thread was found without the session (the pool cannot pick the thread:
   * every thread that takes one of them loads it); feeds are copied, not moved (cheaper at these sizes, and still at hand
   * to send the task again).
   */
  private async runBatch(model: ScoringModel, part: ScorePart, withSource = false): Promise<ScoreTaskResult> {
    this.started++;
    const task: ScoreTask = {
      sha256: model.sha256, task: model.task, rows: partSize(part), feeds: 'rows' in part ? feedColumns(model.inputs, part.rows) : part.feeds,
    };
    const owed = this.sourceOwed.get(model.sha256) ?? 0;
    if (owed > 0) this.sourceOwed.set(model.sha256, owed - 1);
    if (withSource || owed > 0) return this.piscina.run({ ...task, source: model.source });
    try {
      return await this.piscina.run(task);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith(MODEL_NOT_LOADED))) throw err;
      this.started--;
      this.sourceOwed.set(model.sha256, 4 * this.threads);
      return this.runBatch(model, { feeds: task.feeds, n: task.rows }, true);
    }
  }
}

function emptyResult(task: OnnxTask): ScoreResult {
  return task === 'regression' ? { task, values: new Float32Array(0) } : { task, labels: [], probabilities: new Float32Array(0), classes: 0 };
}

function batchKey(model: ScoringModel): string {
  return `${model.sha256}:${model.task}:${model.inputs.map((i) => `${i.kind[0]}${i.name}`).join(',')}`;
}
