// The training pool: worker threads (piscina) that run CV trials, candidate fits and data checks off the event loop.
import { availableParallelism } from 'node:os';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { DataError } from '../lib/data/errors.js';
import type { ModelSpec } from '../lib/train/model.js';
import { tsThreadOptions } from '../lib/threads/entry.js';
import type {
  CrossValidateRequest,
  CrossValidateResult,
  FitCandidateRequest,
  FitCandidateResult,
  ThreadError,
  TrainingData,
  TrainingProgress,
  TrainingTask,
  TrainingTaskResult,
  ValidationProgress,
  ValidationRequest,
  ValidationResult,
} from './trainingWorker.js';

export type {
  CrossValidateRequest,
  CrossValidateResult,
  FitCandidateRequest,
  FitCandidateResult,
  TrainingData,
  TrainingProgress,
  TrainingSpec,
  ValidationProgress,
  ValidationRequest,
  ValidationResult,
} from './trainingWorker.js';

export interface TrainingPoolOptions {
  /** Worker threads, each running one task at a time; default: availableParallelism(). */
  threads?: number;
  /** Least time between two boosting-round progress messages of one task; default 200 ms (folds always report). */
  progressEveryMs?: number;
}

export interface TrainingCallOptions<P = TrainingProgress> {
  /** Hears the thread's progress (e.g. to heartbeat); never called after the call settles. */
  onProgress?: (progress: P) => void;
  /** Aborting rejects the call with an AbortError and stops the thread running it (a queued task is dropped). */
  signal?: AbortSignal;
}

export interface TrainingPool {
  readonly threads: number;
  /** Cross-validates one trial exactly as runTrial does on the main thread. */
  crossValidateTrial(request: CrossValidateRequest, options?: TrainingCallOptions): Promise<CrossValidateResult>;
  /** Fits the best spec on the training part and scores the holdout, exactly as trainCandidate does. */
  fitCandidate(request: FitCandidateRequest, options?: TrainingCallOptions): Promise<FitCandidateResult>;
  /**
   * Validates a snapshot exactly as runValidation does on the main thread (the thread reads the snapshot by URI);
   * the kept and quarantined rows come back moved, not copied.
   */
  validate(request: ValidationRequest, options?: TrainingCallOptions<ValidationProgress>): Promise<ValidationResult>;
  /** Starts every thread and loads the task code in it (optional: the first task does it otherwise). */
  warmUp(): Promise<void>;
  /** Waits for running tasks, then stops the threads; later calls reject. */
  close(): Promise<void>;
}

const THREADS = tsThreadOptions(new URL('./trainingWorker.ts', import.meta.url));

/** The thread's error as an Error of the same class where the caller checks it (DataError), else the same name. */
export function reviveThreadError(error: ThreadError): Error {
  const err = error.name === 'DataError' ? new DataError(error.message, error.details) : new Error(error.message);
  if (!(err instanceof DataError)) {
    Object.defineProperty(err, 'name', { value: error.name, configurable: true, writable: true, enumerable: false });
    if (error.details) Object.assign(err, { details: error.details });
  }
  if (error.stack) err.stack = `${error.stack}\n    at (training worker thread)`;
  return err;
}

/** The request without a spec callback (a function cannot cross to a thread; progress goes through onProgress). */
function plain<T extends TrainingData>(request: T): T {
  const { onProgress: _dropped, ...spec } = request.spec as ModelSpec;
  return { ...request, spec };
}

export function createTrainingPool(options: TrainingPoolOptions = {}): TrainingPool {
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const progressEveryMs = options.progressEveryMs ?? 200;
  const piscina = new Piscina<TrainingTask, TrainingTaskResult>({
    ...THREADS,
    minThreads: 0, // started by the first task (a worker that never trains never loads the training code), then kept
    maxThreads: threads,
    concurrentTasksPerWorker: 1, // training blocks its thread: one task at a time
    idleTimeout: Infinity, // keep threads (and their snapshot caches) between trials
  });
  let closed = false;

  async function run<P>(task: TrainingTask, opts: TrainingCallOptions<P>): Promise<TrainingTaskResult> {
    if (closed) throw new Error('the training pool is closed');
    const { onProgress, signal } = opts;
    if (!onProgress || task.op === 'ping') return piscina.run(task, { signal });
    const channel = new MessageChannel();
    let settled = false;
    channel.port1.on('message', (p: P) => {
      if (!settled) onProgress(p);
    });
    try {
      const out = await piscina.run({ ...task, port: channel.port2 }, { transferList: [channel.port2], signal });
      // Messages the thread posted before answering are queued on port1 already: hand them over before settling.
      for (let m = receiveMessageOnPort(channel.port1); m; m = receiveMessageOnPort(channel.port1)) onProgress(m.message as P);
      return out;
    } finally {
      settled = true;
      channel.port1.close();
    }
  }

  return {
    threads,
    async crossValidateTrial(request, opts = {}) {
      const out = await run({ op: 'crossValidate', request: plain(request), progressEveryMs }, opts);
      if (!out.ok) throw reviveThreadError(out.error);
      if (out.op !== 'crossValidate') throw new Error(`training pool: expected a crossValidate result, got ${out.op}`);
      return out.value;
    },
    async fitCandidate(request, opts = {}) {
      const out = await run({ op: 'fitCandidate', request: plain(request), progressEveryMs }, opts);
      if (!out.ok) throw reviveThreadError(out.error);
      if (out.op !== 'fitCandidate') throw new Error(`training pool: expected a fitCandidate result, got ${out.op}`);
      return out.value;
    },
    async validate(request, opts = {}) {
      const out = await run({ op: 'validate', request, progressEveryMs }, opts);
      if (!out.ok) throw reviveThreadError(out.error);
      if (out.op !== 'validate') throw new Error(`training pool: expected a validate result, got ${out.op}`);
      return out.value;
    },
    async warmUp() {
      const seen = new Set<number>();
      for (let round = 0; seen.size < threads && round < 100; round++) {
        const pings = Array.from({ length: threads }, () => run({ op: 'ping', holdMs: 20 }, {}));
        for (const out of await Promise.all(pings)) {
          if (!out.ok) throw reviveThreadError(out.error);
          if (out.op === 'ping') seen.add(out.value);
        }
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await piscina.close();
    },
  };
}
