// The `steps` of a pipeline as a person writes them: id, uses, needs, with, and bounded per-step policies.
import { z } from 'zod';

/** Steps per pipeline (and needs per step): the plan travels in pages and a run continues as new, so this bounds definitions, not history. */
export const MAX_STEPS = 10_000;
/** Steps of one run in flight at once unless `parallel.max` says otherwise. */
export const DEFAULT_MAX_PARALLEL = 128;
/** Temporal refuses more than 2,000 pending activities per workflow (limit.numPendingActivities.error). */
export const MAX_PARALLEL = 2000;

/** A local step's timeout: at most this, and this default when the step names none. */
export const MAX_LOCAL_TIMEOUT_SECONDS = 300;
export const DEFAULT_LOCAL_TIMEOUT_SECONDS = 60;

export const STEP_ID = /^[a-z][a-z0-9_-]{0,62}$/;

/** A step's retry policy; every field bounded, so nothing retries forever. */
export const retrySchema = z
  .object({
    maximumAttempts: z.number().int().min(1).max(100),
    initialIntervalSeconds: z.number().positive().max(3600).default(1),
    backoffCoefficient: z.number().min(1).max(10).default(2),
    maximumIntervalSeconds: z.number().positive().max(86_400).default(30),
  })
  .strict();
export type RetryPolicyDefinition = z.infer<typeof retrySchema>;

export const stepSchema = z
  .object({
    id: z.string().regex(STEP_ID, 'must start with a lowercase letter, then letters, digits, "-" or "_" (at most 63)'),
    /** A built-in step (ingest, validate, optimize, package, approval, rollout) or a step from one of the pipeline's modules. */
    uses: z.string().min(1).max(128),
    /** The steps whose outputs this one takes; it starts once all of them are done. */
    needs: z.array(z.string().min(1).max(63)).max(MAX_STEPS).default([]),
    /** The step's own configuration, checked by that step's schema. */
    with: z.record(z.string(), z.unknown()).default({}),
    retry: retrySchema.optional(),
    /** Each activity of the step must finish within this many seconds (one attempt). */
    timeoutSeconds: z.number().int().min(1).max(7 * 86_400).optional(),
    /** Reuse a recorded result for the same cache key; side-effect steps default to false. */
    cache: z.boolean().optional(),
    taskQueue: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'must be a task queue name (letters, digits, ".", "_", "-")').optional(),
    /**
     * Run as a Temporal local activity in the workflow's worker: about 3 ms of overhead instead of two task hand-offs, for
     * short steps (timeout at most 300 s, default 60 s; no heartbeat timeout, no task queue of its own).
     */
    local: z.boolean().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.local) return;
    if (s.taskQueue) ctx.addIssue({ code: 'custom', path: ['taskQueue'], message: 'a local step runs in the workflow\'s worker: it cannot name a task queue' });
    if (s.timeoutSeconds !== undefined && s.timeoutSeconds > MAX_LOCAL_TIMEOUT_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['timeoutSeconds'], message: `a local step must finish within ${MAX_LOCAL_TIMEOUT_SECONDS} s (it holds the workflow task open); drop "local" for a longer step` });
    }
  });
export type StepDefinitionEntry = z.infer<typeof stepSchema>;

export const stepsSchema = z.array(stepSchema).min(1).max(MAX_STEPS);

/** How many steps of one run may be in flight at once, in all and per `uses` (a step kind that must not flood a service). */
export const parallelSchema = z
  .object({
    max: z.number().int().min(1).max(MAX_PARALLEL).default(DEFAULT_MAX_PARALLEL),
    perUses: z.record(z.string().min(1).max(128), z.number().int().min(1).max(MAX_PARALLEL)).default({}),
  })
  .strict();
export type ParallelLimits = z.infer<typeof parallelSchema>;
/** Step modules, paths relative to the pipeline file. */
export const modulesSchema = z.array(z.string().min(1).max(4096)).max(32).default([]);
