// The batch scoring pool: the serving scoring pool's worker threads, started on a job's first chunk, closed with the worker.
import { ScoringPool } from '../lib/scoring/scoringPool.js';

export interface BatchScoring {
  pool(): ScoringPool;
  close(): Promise<void>;
}

/** One thread by default: batch chunks run two at a time per worker, and training shares the cores. */
export function lazyScoringPool(threads = 1): BatchScoring {
  let pool: ScoringPool | null = null;
  return {
    // No micro-batching window: a chunk is one batch already.
    pool: () => (pool ??= new ScoringPool({ threads, batchWindowMs: -1 })),
    close: async () => {
      await pool?.close();
      pool = null;
    },
  };
}
