// The scoring worker thread: keeps onnxruntime sessions by model sha256 and scores batches off the main thread.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { FeedColumns } from '../onnx/feeds.js';
import { MODEL_NOT_LOADED } from './taskMessages.js';
import { contractOutputNames, readContractOutputs, type OnnxOutputs, type OnnxTask } from '../onnx/runtime.js';

/** Where a worker finds a model it has not loaded yet: its bytes (shared, not copied, across threads) or a file. */
export type ModelSource = { bytes: Uint8Array } | { path: string };

export interface ScoreTask {
  sha256: string;
  /** Absent: the thread should have the session already; if it does not, the task fails with MODEL_NOT_LOADED. */
  source?: ModelSource;
  /** Which outputs of the serving contract (lib/onnx/contract.ts) to fetch and check. */
  task: OnnxTask;
  rows: number;
  feeds: FeedColumns;
}

/** Classifiers: labels + row-major [rows, classes] probabilities; regressors: one value per row. */
export type ScoreTaskResult = OnnxOutputs;

/** Sessions kept per thread; the least recently used one is released beyond this. */
const MAX_SESSIONS = 16;
const sessions = new Map<string, Promise<ort.InferenceSession>>();

async function loadSession(sha256: string, source: ModelSource): Promise<ort.InferenceSession> {
  // Copy out of shared memory: the native side wants a plain ArrayBuffer.
  const bytes = 'bytes' in source ? new Uint8Array(source.bytes) : new Uint8Array(await readFile(source.path));
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) throw new Error(`model bytes hash to ${actual}, expected ${sha256}`);
  // One thread per session: the pool scales over worker threads, not inside onnxruntime.
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

function sessionFor(sha256: string, source: ModelSource | undefined): Promise<ort.InferenceSession> {
  let session = sessions.get(sha256);
  if (session) {
    sessions.delete(sha256); // re-insert: Map order is the LRU order
    sessions.set(sha256, session);
    return session;
  }
  if (!source) return Promise.reject(new Error(`${MODEL_NOT_LOADED} ${sha256}`));
  session = loadSession(sha256, source);
  session.catch(() => sessions.delete(sha256));
  sessions.set(sha256, session);
  while (sessions.size > MAX_SESSIONS) {
    const [oldest, evicted] = sessions.entries().next().value as [string, Promise<ort.InferenceSession>];
    sessions.delete(oldest);
    evicted.then((s) => s.release()).catch(() => undefined);
  }
  return session;
}

function toTensor(name: string, column: FeedColumns[string], rows: number): ort.Tensor {
  if (column.length !== rows) throw new Error(`feed ${name} has ${column.length} values for ${rows} rows`);
  return column instanceof Float32Array ? new ort.Tensor('float32', column, [rows, 1]) : new ort.Tensor('string', column, [rows, 1]);
}

/** Scores one batch: loads the model on first sight, runs it, returns the outputs its task needs. */
export default async function score(task: ScoreTask): Promise<ScoreTaskResult> {
  const session = await sessionFor(task.sha256, task.source);
  const fetches = contractOutputNames(session, task.task);
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const column = task.feeds[name];
    if (!column) throw new Error(`the model takes input "${name}", which the batch does not have`);
    feeds[name] = toTensor(name, column, task.rows);
  }
  const out = await session.run(feeds, fetches);
  try {
    return readContractOutputs(out, task.task, task.rows);
  } finally {
    for (const tensor of Object.values(out)) tensor.dispose();
  }
}
