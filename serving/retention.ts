// The prediction log's retention: at start and every hour, day partitions (and outcomes) older than the retention are dropped.
import type { FastifyBaseLogger } from 'fastify';
import type { Queryable } from '../lib/store/db.js';
import { deleteExpiredOutcomes } from '../lib/store/outcomes.js';
import { dropExpiredPartitions } from '../lib/store/predictionPartitions.js';

const HOUR_MS = 3_600_000;

/** Starts the hourly round (null days: nothing is ever dropped); returns its stop. A failed round is logged and tried next hour. */
export function startRetention(db: Queryable, days: number | null, log: FastifyBaseLogger): () => void {
  if (days === null) return () => undefined;
  const round = (): void => {
    dropExpiredPartitions(db, days)
      .then(async ({ dropped, batches, aggregates }) => {
        const outcomes = await deleteExpiredOutcomes(db, days);
        if (dropped.length > 0 || aggregates > 0 || outcomes > 0) log.info({ dropped, batches, aggregates, outcomes, retentionDays: days }, 'dropped prediction log partitions past the retention');
      })
      .catch((err: unknown) => log.error({ err, retentionDays: days }, 'dropping expired prediction log partitions failed; will try again in an hour'));
  };
  round();
  const timer = setInterval(round, HOUR_MS);
  timer.unref();
  return () => clearInterval(timer);
}
