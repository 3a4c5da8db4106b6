// A user step isolated in a worker thread with a heap limit: stopped at its deadline or on cancellation, and named when it runs out of memory.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { StepRunResult } from '../lib/steps/define.js';
import type { DatasetRef, StepInputs } from '../lib/steps/refs.js';
import type { Table } from '../lib/data/table.js';

/** What the thread needs to run a step: where its module is, which step, its context's identity, inputs and config. */
export interface IsolatedStepRequest {
  module: string;
  moduleHash?: string;
  uses: string;
  context: { runId: string; pipeline: string; pipelineVersion: string; stepId: string; attempt: number };
  inputs: StepInputs;
  config: unknown;
}

export type ThreadError = { kind: 'step'; message: string; retryable: boolean } | { kind: 'data' | 'error'; name: string; message: string; stack?: string };

export type ToThread =
  | { type: 'run'; request: IsolatedStepRequest }
  | { type: 'abort' }
  | { type: 'answer'; id: number; value?: unknown; error?: { name?: string; message: string } };

export type FromThread =
  | { type: 'progress'; message: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'load'; id: number; ref: DatasetRef }
  | { type: 'save'; id: number; table: Table; source?: string }
  | { type: 'done'; result: StepRunResult; heapUsed: number }
  | { type: 'failed'; error: ThreadError; heapUsed: number };

/** What the parent does for the step: heartbeats, its log, and the artifact store's tables. */
export interface IsolationHost {
  progress(message: string): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  loadTable(ref: DatasetRef): Promise<Table>;
  saveTable(table: Table, source: string | undefined): Promise<DatasetRef>;
}

export interface IsolationLimits {
  /** When the step is stopped (epoch ms): a little before the attempt's start-to-close timeout, so the failure is ours. */
  deadline: number;
  /** The step's cancellation (a failed sibling, a cancelled run, the server's timeout): it is told, then stopped after `graceMs`. */
  signal: AbortSignal;
  /** Its thread's heap limit (V8's old generation), MB. */
  memoryMb: number;
  graceMs?: number;
}

/** How an isolated step ended other than with a result or its own error: out of time, out of memory, cancelled, or its thread gone. */
export class IsolationStop extends Error {
  override name = 'IsolationStop';
  constructor(readonly reason: 'timeout' | 'memory' | 'cancelled' | 'exited', message: string) {
    super(message);
  }
}

/** The step's own error as it was thrown in the thread (kind tells StepError and DataError from the rest). */
export class ThreadStepError extends Error {
  constructor(readonly error: ThreadError) {
    super(error.message);
    this.name = error.kind === 'step' ? 'StepError' : error.name;
    if (error.kind !== 'step' && error.stack) this.stack = error.stack;
  }
}

/** A user step's heap limit: MLCYCLE_STEP_MEMORY_MB, default 1024. */
export function stepMemoryMb(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MLCYCLE_STEP_MEMORY_MB;
  if (raw === undefined || raw === '') return 1024;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 32 || n > 65_536) throw new Error(`MLCYCLE_STEP_MEMORY_MB must be an integer from 32 to 65536, got "${raw}"`);
  return n;
}

/** User steps one worker runs at once, each in its own thread: MLCYCLE_STEP_THREADS, default two per core and at least 4. */
export function stepThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MLCYCLE_STEP_THREADS;
  if (raw === undefined || raw === '') return Math.max(4, 2 * availableParallelism());
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new Error(`MLCYCLE_STEP_THREADS must be an integer from 1 to 1024, got "${raw}"`);
  return n;
}

const ENTRY = new URL('../lib/threads/tsEntry.mjs', import.meta.url);
const THREAD_MODULE = new URL('./stepThread.ts', import.meta.url).href;
/** How long an idle thread is kept warm for the next step (a new one takes about a second to load its modules). */
const IDLE_MS = 60_000;
const idle = new Map<number, { worker: Worker; timer: NodeJS.Timeout }[]>();
let busy = 0;
const queue: (() => void)[] = [];

/** A thread for one step, once fewer than stepThreads() run; waiting ends early (null) if the step is stopped first. */
async function takeThread(memoryMb: number, stopped: Promise<void>): Promise<Worker | null> {
  while (busy >= stepThreads()) {
    let turn = (): void => undefined;
    const wait = new Promise<void>((r) => queue.push((turn = r)));
    if ((await Promise.race([wait.then(() => true), stopped.then(() => false)])) === false) {
      const at = queue.indexOf(turn);
      // Already woken: the turn passes to the next in line.
      if (at >= 0) queue.splice(at, 1);
      else queue.shift()?.();
      return null;
    }
  }
  busy++;
  const kept = idle.get(memoryMb)?.pop();
  if (kept) {
    clearTimeout(kept.timer);
    kept.worker.ref();
    return kept.worker;
  }
  return new Worker(ENTRY, { workerData: { module: THREAD_MODULE }, resourceLimits: { maxOldGenerationSizeMb: memoryMb } });
}

/** Frees the step's slot; a thread that ended its step cleanly and used under half its heap is kept warm for the next one. */
function giveBack(worker: Worker, memoryMb: number, heapUsed: number | undefined): void {
  busy--;
  queue.shift()?.();
  if (heapUsed === undefined || heapUsed > (memoryMb * 1024 * 1024) / 2) {
    void worker.terminate();
    return;
  }
  worker.unref();
  const list = idle.get(memoryMb) ?? [];
  const entry = { worker, timer: setTimeout(() => {
    list.splice(list.indexOf(entry), 1);
    void worker.terminate();
  }, IDLE_MS).unref() };
  list.push(entry);
  idle.set(memoryMb, list);
}

/** Runs the step in a thread; rejects with ThreadStepError for the step's own error and IsolationStop when it had to be stopped. */
export async function runIsolated(request: IsolatedStepRequest, host: IsolationHost, limits: IsolationLimits): Promise<StepRunResult> {
  // Waiting for a thread counts against the step's time, and a cancellation ends the wait.
  let endWait = (): void => undefined;
  const waitEnded = new Promise<void>((r) => (endWait = r));
  const waitTimer = setTimeout(endWait, Math.max(0, limits.deadline - Date.now()));
  limits.signal.addEventListener('abort', endWait, { once: true });
  const taken = await takeThread(limits.memoryMb, waitEnded);
  clearTimeout(waitTimer);
  limits.signal.removeEventListener('abort', endWait);
  if (!taken) throw limits.signal.aborted ? new IsolationStop('cancelled', 'was cancelled before it started') : new IsolationStop('timeout', 'was stopped at its timeout, waiting for a thread');
  const worker: Worker = taken;
  return new Promise<StepRunResult>((resolve, reject) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (how: () => void, heapUsed?: number): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      limits.signal.removeEventListener('abort', onAbort);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      giveBack(worker, limits.memoryMb, heapUsed);
      how();
    };
    const stop = (reason: IsolationStop['reason'], message: string) => finish(() => reject(new IsolationStop(reason, message)));
    const answer = (id: number, work: Promise<unknown>) =>
      work.then(
        (value) => !settled && worker.postMessage({ type: 'answer', id, value } satisfies ToThread),
        (err: Error) => !settled && worker.postMessage({ type: 'answer', id, error: { name: err.name, message: err.message } } satisfies ToThread),
      );
    function onMessage(m: FromThread): void {
      if (m.type === 'progress') host.progress(m.message);
      else if (m.type === 'log') host.log(m.level, m.message);
      else if (m.type === 'load') void answer(m.id, host.loadTable(m.ref));
      else if (m.type === 'save') void answer(m.id, host.saveTable(m.table, m.source));
      else if (m.type === 'done') finish(() => resolve(m.result), m.heapUsed);
      else finish(() => reject(new ThreadStepError(m.error)), m.heapUsed);
    }
    function onError(err: Error & { code?: string }): void {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') stop('memory', `ran out of memory: its heap passed the limit of ${limits.memoryMb} MB`);
      else finish(() => reject(new ThreadStepError({ kind: 'error', name: err.name, message: err.message, stack: err.stack })));
    }
    function onExit(code: number): void {
      stop('exited', `its thread ended (exit code ${code}) before the step returned`);
    }
    function onAbort(): void {
      worker.postMessage({ type: 'abort' } satisfies ToThread);
      timers.push(setTimeout(() => stop('cancelled', 'was cancelled and did not stop in time'), limits.graceMs ?? 3000));
    }
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    timers.push(setTimeout(() => stop('timeout', 'was stopped at its timeout'), Math.max(0, limits.deadline - Date.now())));
    if (limits.signal.aborted) onAbort();
    else limits.signal.addEventListener('abort', onAbort, { once: true });
    worker.postMessage({ type: 'run', request } satisfies ToThread);
  });
}
