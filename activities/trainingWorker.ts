// The training worker thread: cross-validates a trial, fits the candidate or validates data, on a snapshot it caches.
import { performance } from 'node:perf_hooks';
import { threadId, type MessagePort } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { decodeSnapshot } from '../lib/data/snapshot.js';
import type { Table } from '../lib/data/table.js';
import { ArtifactStore } from '../lib/store/artifacts.js';
import { crossValidate, holdoutSplit, scoreModel } from '../lib/train/evaluate.js';
import { fitModel, type ModelSpec } from '../lib/train/model.js';
import type { MetricName } from '../lib/train/scores.js';
import { runValidationTask, transferablesOf, type ValidationRequest, type ValidationResult } from './validationTask.js';

export type { ValidationProgress, ValidationRequest, ValidationResult } from './validationTask.js';

/** What to fit, as runTrial / trainCandidate build it (the spec's task and target also drive the splits). */
export type TrainingSpec = Omit<ModelSpec, 'onProgress'>;

/** Where the rows come from and how the holdout is split off (holdoutSplit of the whole snapshot). */
export interface TrainingData {
  /** The artifact store's root directory (the thread opens its own ArtifactStore on it). */
  artifactsRoot: string;
  /** The snapshot's URI (artifact://<sha256>): Arrow IPC bytes, read and decoded in the thread. */
  snapshotUri: string;
  /** pipeline.search.holdoutFraction */
  holdoutFraction: number;
  /** pipeline.search.seed: the seed of the holdout split, the budget split and the CV folds. */
  seed: number;
  spec: TrainingSpec;
}

export interface CrossValidateRequest extends TrainingData {
  metric: MetricName;
  folds: number;
  /** Share of the training rows the trial may use (1 = all; below 1 a stratified subsample, as today). */
  budget: number;
}

export type FitCandidateRequest = TrainingData;

export interface CrossValidateResult {
  mean: number;
  std: number;
  /** The score of every fold, in order. */
  folds: number[];
  /** Rows the trial was cross-validated on (its budget's share of the training rows). */
  rows: number;
  /** Time spent in the thread (snapshot read included when it was not cached). */
  ms: number;
}

export interface FitCandidateResult {
  /** JSON.stringify(model): exactly the bytes deps.artifacts.putJson(model) stores. */
  modelJson: string;
  /** What scoreModel returns on the holdout (every metric of the task, and `rows`). */
  holdout: Record<string, number>;
  ms: number;
}

/** Progress the thread posts: a fold finished, or a boosting round (throttled). */
export type TrainingProgress = { kind: 'fold'; done: number; folds: number } | { kind: 'round'; round: number; fold: number | null };

/** An error thrown in the thread, as plain data (structured clone would drop a custom class, name and details). */
export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  details?: Record<string, unknown>;
}

interface TaskBase {
  /** Where progress goes (transferred with the task); none = no progress. */
  port?: MessagePort;
  /** Least time between two posted boosting-round messages. */
  progressEveryMs: number;
}

export type TrainingTask =
  | (TaskBase & { op: 'crossValidate'; request: CrossValidateRequest })
  | (TaskBase & { op: 'fitCandidate'; request: FitCandidateRequest })
  | (TaskBase & { op: 'validate'; request: ValidationRequest })
  /** Answers the thread's id after holding the thread `holdMs` (so concurrent pings spread over the threads). */
  | { op: 'ping'; holdMs: number };

export type TrainingTaskResult =
  | { ok: true; op: 'crossValidate'; value: CrossValidateResult }
  | { ok: true; op: 'fitCandidate'; value: FitCandidateResult }
  | { ok: true; op: 'validate'; value: ValidationResult }
  | { ok: true; op: 'ping'; value: number }
  | { ok: false; error: ThreadError };

/** Decoded snapshots kept per thread (trials of one run share their dataset); the oldest goes first. */
const CACHE_LIMIT = 4;
const snapshots = new Map<string, Promise<Table>>();

function loadSnapshot(root: string, uri: string): Promise<Table> {
  const key = `${root}\u0000${uri}`;
  const hit = snapshots.get(key);
  if (hit) return hit;
  const table = new ArtifactStore(root).get(uri).then((bytes) => decodeSnapshot(bytes, uri));
  table.catch(() => snapshots.delete(key));
  if (snapshots.size >= CACHE_LIMIT) snapshots.delete(snapshots.keys().next().value as string);
  snapshots.set(key, table);
  return table;
}

/** Posts progress on the task's port; boosting rounds at most every `progressEveryMs`. */
function reporter(task: TaskBase) {
  let last = -Infinity;
  let round = 0;
  let fold: number | null = null;
  const post = (p: TrainingProgress) => task.port?.postMessage(p);
  return {
    startFit(foldIndex: number | null): void {
      fold = foldIndex;
      round = 0;
    },
    round(): void {
      round++;
      const now = performance.now();
      if (!task.port || now - last < task.progressEveryMs) return;
      last = now;
      post({ kind: 'round', round, fold });
    },
    fold(done: number, folds: number): void {
      post({ kind: 'fold', done, folds });
    },
  };
}

async function runCrossValidate(request: CrossValidateRequest, task: TaskBase): Promise<CrossValidateResult> {
  const started = performance.now();
  const { spec, holdoutFraction, seed, budget } = request;
  const all = await loadSnapshot(request.artifactsRoot, request.snapshotUri);
  // As runTrial: the holdout stays out, then the trial's budget is a stratified share of the training rows.
  const { train } = holdoutSplit(all, spec.target, holdoutFraction, seed, spec.task);
  const rows = budget < 1 ? holdoutSplit(train, spec.target, 1 - budget, seed, spec.task).train : train;
  const progress = reporter(task);
  progress.startFit(1);
  const cv = crossValidate(rows, { ...spec, onProgress: () => progress.round() }, request.metric, request.folds, seed, (done) => {
    progress.fold(done, request.folds);
    progress.startFit(done + 1);
  });
  return { mean: cv.mean, std: cv.std, folds: cv.folds, rows: rows.rows, ms: performance.now() - started };
}

async function runFitCandidate(request: FitCandidateRequest, task: TaskBase): Promise<FitCandidateResult> {
  const started = performance.now();
  const { spec } = request;
  const table = await loadSnapshot(request.artifactsRoot, request.snapshotUri);
  const { train, test } = holdoutSplit(table, spec.target, request.holdoutFraction, request.seed, spec.task);
  const progress = reporter(task);
  progress.startFit(null);
  const model = fitModel(train, { ...spec, onProgress: () => progress.round() });
  const holdout = scoreModel(model, test);
  return { modelJson: JSON.stringify(model), holdout, ms: performance.now() - started };
}

function plainDetails(details: unknown): Record<string, unknown> | undefined {
  if (details === null || typeof details !== 'object') return undefined;
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function toThreadError(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const details = plainDetails((err as Error & { details?: unknown }).details);
  return { name: err.name, message: err.message, stack: err.stack, ...(details ? { details } : {}) };
}

/** A result wrapped for piscina, which moves its buffers to the caller and hands over the result itself there. */
type Moved = ReturnType<typeof move>;

/** The result with its buffers moved, not copied (none: the result as it is, cloned as usual). */
function moved(result: TrainingTaskResult, buffers: ArrayBuffer[]): TrainingTaskResult | Moved {
  return buffers.length ? move({ [transferableSymbol]: buffers, [valueSymbol]: result }) : result;
}

/** Runs one task; never throws: an error comes back as data so the pool can re-create its class. */
export default async function train(task: TrainingTask): Promise<TrainingTaskResult | Moved> {
  try {
    if (task.op === 'ping') return { ok: true, op: 'ping', value: await sleep(task.holdMs, threadId) };
    if (task.op === 'crossValidate') return { ok: true, op: task.op, value: await runCrossValidate(task.request, task) };
    if (task.op === 'validate') {
      const value = await runValidationTask(task.request, task.port, loadSnapshot);
      return moved({ ok: true, op: task.op, value }, transferablesOf(value));
    }
    return { ok: true, op: task.op, value: await runFitCandidate(task.request, task) };
  } catch (err) {
    return { ok: false, error: toThreadError(err) };
  }
}
