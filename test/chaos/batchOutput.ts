// What a batch scoring job left: its output read back (rows, ids, an order-independent checksum), its chunks and executions, the workers that ran them.
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { readSource } from '../../lib/data/sources/index.js';
import type { Db } from '../../lib/store/db.js';

export interface OutputSummary {
  rows: number;
  /** Sum over rows of each row's hash (first 8 bytes of sha256 of its values), mod 2^64: equal for the same rows in any order. */
  checksum: string;
  /** Ids of the input (0 … n − 1) missing from the output, and those present more than once. */
  missing: number;
  repeated: number;
}

/** Reads the scored file and summarizes it; `idColumn` holds the input's row numbers 0 … expected − 1. */
export async function summarizeOutput(path: string, expected: number, idColumn = 'id'): Promise<OutputSummary> {
  const t = await readSource({ kind: 'file', path });
  const ids = t.columns.find((c) => c.name === idColumn);
  if (!ids || ids.kind !== 'numeric') throw new Error(`${path} has no numeric column ${idColumn}`);
  const seen = new Uint8Array(expected);
  let repeated = 0;
  let sum = 0n;
  const mask = (1n << 64n) - 1n;
  for (let i = 0; i < t.rows; i++) {
    const id = ids.values[i];
    if (Number.isInteger(id) && id >= 0 && id < expected) {
      if (seen[id]) repeated++;
      seen[id] = 1;
    } else repeated++;
    const values = t.columns.map((c) => String(c.values[i]));
    sum = (sum + createHash('sha256').update(values.join('\u0001')).digest().readBigUInt64BE(0)) & mask;
  }
  return { rows: t.rows, checksum: sum.toString(16).padStart(16, '0'), missing: seen.reduce((n, s) => n + (s ? 0 : 1), 0), repeated };
}

export interface ChunkLedger {
  /** Rows of batch_score_chunks per chunk number (the key allows one: a second is a schema change). */
  recorded: Map<number, number>;
  /** Executions that stored a scored chunk, per chunk number. */
  scored: Map<number, number>;
  /** Executions begun and never finished (a killed worker's chunk in flight). */
  interrupted: number;
  /** Executions that found their chunk already recorded. */
  reused: number;
}

export async function chunkLedger(db: Db, jobId: string): Promise<ChunkLedger> {
  const chunks = await db.query<{ chunk: number; n: number }>('SELECT chunk, COUNT(*)::int AS n FROM batch_score_chunks WHERE job_id = $1 GROUP BY chunk', [jobId]);
  const runs = await db.query<{ chunk: number; outcome: string; n: number }>(
    'SELECT chunk, outcome, COUNT(*)::int AS n FROM batch_score_executions WHERE job_id = $1 GROUP BY chunk, outcome', [jobId]);
  const scored = new Map<number, number>();
  let interrupted = 0;
  let reused = 0;
  for (const r of runs.rows) {
    if (r.outcome === 'scored') scored.set(r.chunk, r.n);
    else if (r.outcome === 'started') interrupted += r.n;
    else reused += r.n;
  }
  return { recorded: new Map(chunks.rows.map((r) => [r.chunk, r.n])), scored, interrupted, reused };
}

/** Chunks (of 0 … chunks − 1) not scored exactly once, each as "chunk: n". */
export function notOnce(counts: Map<number, number>, chunks: number): string[] {
  const out: string[] = [];
  for (let c = 0; c < chunks; c++) if ((counts.get(c) ?? 0) !== 1) out.push(`${c}: ${counts.get(c) ?? 0}`);
  for (const c of counts.keys()) if (c < 0 || c >= chunks) out.push(`${c}: out of range`);
  return out;
}

/** The worker identities of the workflow's completed scoreChunk activities, with how many each ran (from the history). */
export async function chunkWorkers(client: Client, workflowId: string): Promise<Map<string, number>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  const out = new Map<string, number>();
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
    const started = e.activityTaskStartedEventAttributes;
    if (started && scheduled.get(String(started.scheduledEventId)) === 'scoreChunk') {
      const who = started.identity ?? '?';
      out.set(who, (out.get(who) ?? 0) + 1);
    }
  }
  return out;
}
