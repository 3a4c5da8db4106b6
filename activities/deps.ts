// What activities need from the process: the database, the artifact store, a Temporal client; and shared helpers.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { failure } from '../contracts/failures.js';
import { DataError } from '../lib/data/errors.js';
import { decodeSnapshot } from '../lib/data/snapshot.js';
import type { Table } from '../lib/data/table.js';
import type { ArtifactStore } from '../lib/store/artifacts.js';
import type { Db } from '../lib/store/db.js';
import type { BatchScoring } from './batchScoringPool.js';
import type { TrainingPool } from './trainingPool.js';

export interface ActivityDeps {
  db: Db;
  artifacts: ArtifactStore;
  temporal: Client;
  taskQueue: string;
  /** Where HTML reports for people are written (readable names; the JSON stays in the artifact store). */
  reportsDir: string;
  /** mlcycle's own database, the default for Postgres query sources. */
  databaseUrl: string;
  /** Worker threads for CV trials, candidate fits and validation, off the event loop. */
  training: TrainingPool;
  /** Scoring threads for batch jobs (started on first use); absent, the batch activities start their own. */
  batchScoring?: BatchScoring;
}

/** Bad data is not worth retrying: it becomes a non-retryable failure with a stable type. */
export async function failClosedOnBadData<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DataError) throw failure('DataError', err.message, err.details ?? {});
    throw err;
  }
}

const cache = new Map<string, Table>();
const CACHE_LIMIT = 8;

/** Decoded snapshot by URI, kept in a small per-process cache (trials of one run share their dataset). */
export async function loadSnapshot(artifacts: ArtifactStore, uri: string): Promise<Table> {
  const hit = cache.get(uri);
  if (hit) return hit;
  const table = decodeSnapshot(await artifacts.get(uri), uri);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(uri, table);
  return table;
}

/**
 * The key of what the current activity writes once (its workflow run, activity id and `what`): the same in every attempt,
 * so a retry after a lost worker finds the row written. Undefined outside an activity (a client's own call).
 */
export function activityOnceKey(what: string): string | undefined {
  let info;
  try {
    info = Context.current().info;
  } catch {
    return undefined;
  }
  const run = info.workflowExecution;
  return run ? `${run.workflowId}/${run.runId}/${info.activityId}/${what}` : undefined;
}

/**
 * Heartbeats every 2 s while `work` runs (in a thread, or awaiting I/O), repeating the last details, so a lost
 * worker is noticed and a cancellation reaches the activity (it arrives only in a heartbeat's answer).
 */
export async function keepHeartbeating<T>(work: (beat: (details: unknown) => void) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  // A local activity (a step declared `local`) has no heartbeat: its cancellation comes from the worker itself.
  if (ctx.info.isLocal) return work(() => undefined);
  let last: unknown = undefined;
  const beat = (details: unknown): void => {
    last = details;
    ctx.heartbeat(details);
  };
  const ticker = setInterval(() => ctx.heartbeat(last), 2000);
  try {
    return await work(beat);
  } finally {
    clearInterval(ticker);
  }
}
