// What a pipeline does on its own: scheduled retraining from its source, the monitor's interval, the repair round.
import { z } from 'zod';

const every = z.number().int().min(10).max(86_400 * 30);
/** Five-field cron (minute hour day-of-month month day-of-week), as Temporal Schedules take it. */
const cron = z.string().regex(/^\s*(\S+\s+){4}\S+\s*$/, 'must be a five-field cron expression ("0 3 * * *")');

/** Where a scheduled retraining reads: the newest file matching a pattern in a folder, or a query past a watermark. */
export const retrainSourceSchema = z.union([
  z.object({ folder: z.string().min(1), pattern: z.string().min(1).max(200).default('*.csv') }).strict(),
  z
    .object({
      postgres: z
        .object({
          query: z.string().min(1).max(100_000),
          urlEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
          /** A column that only grows (a timestamp, an id): a run happens when its maximum moved. */
          watermarkColumn: z.string().min(1).max(128),
        })
        .strict(),
    })
    .strict(),
]);

export const schedulesSchema = z
  .object({
    /** Retrain on a calendar: `cron` or `everySeconds`, from `source` (absent → the pipeline's own data). */
    retrain: z
      .object({ cron: cron.optional(), everySeconds: every.optional(), source: retrainSourceSchema.optional(), paused: z.boolean().default(false) })
      .strict()
      .refine((r) => (r.cron === undefined) !== (r.everySeconds === undefined), 'give exactly one of "cron" and "everySeconds"')
      .optional(),
    /** The drift monitor of the served model (absent → every monitor.intervalSeconds once the pipeline serves). */
    monitor: z.object({ everySeconds: every.optional(), paused: z.boolean().default(false) }).strict().optional(),
    /** The repair round: finds this pipeline's failed runs and restarts the repairable ones from the failed step. */
    repair: z.object({ everySeconds: every.default(300), paused: z.boolean().default(false) }).strict().optional(),
  })
  .strict()
  .default({});

/** How failed runs are repaired: bounded attempts with doubling backoff, then parked with an alert. */
export const repairPolicySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(20).default(3),
    /** Wait after a failure before the first repair; doubles with each attempt. */
    backoffSeconds: z.number().int().min(0).max(86_400).default(60),
    /** POSTed (JSON) when a run is parked: it still fails after maxAttempts repairs. */
    alertWebhook: z.url().optional(),
  })
  .strict()
  .default({ maxAttempts: 3, backoffSeconds: 60 });

/** A query without a watermark cannot say whether its data changed: scheduled retraining on it is refused. */
export function checkRetrainSource(
  p: { data?: { path: string } | { postgres: unknown }; schedules: z.infer<typeof schedulesSchema> },
  ctx: z.RefinementCtx,
): void {
  if (p.schedules.retrain && !p.schedules.retrain.source && !p.data) {
    ctx.addIssue({ code: 'custom', path: ['schedules', 'retrain', 'source'], message: 'the pipeline declares no "data" to retrain on: give a source (a folder, or a query with a "watermarkColumn")' });
  } else if (p.schedules.retrain && !p.schedules.retrain.source && p.data && 'postgres' in p.data) {
    ctx.addIssue({
      code: 'custom',
      path: ['schedules', 'retrain', 'source'],
      message: 'the pipeline reads a Postgres query, which cannot say whether its data changed: give a source with a "watermarkColumn" (or a folder)',
    });
  }
}
