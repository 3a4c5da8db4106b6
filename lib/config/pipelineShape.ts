// The pipeline definition's sections as one zod object (pipeline.ts adds the checks across sections and the loading).
import { z } from 'zod';
import { expectationsSchema } from '../checks/expectations.js';
import { skewConfigSchema } from '../checks/skew.js';
import { metricLimitsSchema } from './metricLimits.js';
import { METRIC_NAMES, type MetricName } from '../train/scores.js';
import { searchSpaceSchema } from './searchSpace.js';
import { modulesSchema, parallelSchema, stepsSchema } from './steps.js';
import { rolloutSchema } from './rollout.js';
import { repairPolicySchema, schedulesSchema } from './schedules.js';
import { retrainSchema } from './retrain.js';
import { driftSchema } from './drift.js';
import { piiSchema } from './pii.js';
import { eventsSchema } from './events.js';
import { transformsSchema } from '../transforms/schema.js';

const columnName = z.string().min(1).max(128);

export const FILE_FORMATS = ['csv', 'tsv', 'jsonl', 'json', 'parquet', 'arrow'] as const;

/** Where a pipeline's data comes from: a file (format from its extension unless given) or a Postgres query. */
const dataSchema = z.union([
  z.object({ path: z.string().min(1), format: z.enum(FILE_FORMATS).optional() }).strict(),
  z
    .object({
      postgres: z
        .object({
          query: z.string().min(1).max(100_000),
          /** Environment variable of the worker holding the connection string; unset → mlcycle's own database. */
          urlEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
        })
        .strict(),
    })
    .strict(),
]);

export const pipelineShape = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (at most 63)'),
    description: z.string().max(500).default(''),
    /** Needed by ingest; a DAG without ingest may leave it out. */
    data: dataSchema.optional(),
    /** classification: the target is a label; regression: a number. */
    task: z.enum(['classification', 'regression']).default('classification'),
    /** target, features: needed by validate, optimize and package (lib/steps/sections.ts). */
    target: columnName.optional(),
    features: z
      .object({ numeric: z.array(columnName).default([]), categorical: z.array(columnName).default([]) })
      .strict()
      .refine((f) => f.numeric.length + f.categorical.length > 0, 'at least one feature is needed')
      .optional(),
    /** Derived features (lib/transforms): computed with arquero in training, compiled into the model's ONNX graph. */
    transforms: transformsSchema,
    /** Data checks beyond the pinned schema: expectations, skew against the reference, quarantine. */
    validation: z
      .object({
        expectations: expectationsSchema.default([]),
        skew: skewConfigSchema.optional(),
        /** Set aside rows failing error-level row checks when they are at most this fraction (then they are warnings). */
        quarantine: z.object({ maxFraction: z.number().min(0).max(0.5) }).strict().optional(),
        /** Allowed excursion beyond the pinned schema's numeric ranges, as a fraction of the range. */
        rangeTolerance: z.number().min(0).max(10).default(0.5),
      })
      .strict()
      .default({ expectations: [], rangeTolerance: 0.5 }),
    search: z
      .object({
        folds: z.number().int().min(2).max(20).default(5),
        seed: z.number().int().default(1),
        maxParallelTrials: z.number().int().min(1).max(64).default(4),
        holdoutFraction: z.number().gt(0).lt(0.9).default(0.2),
        /** grid: every combination; random: `trials` seeded samples; halving: successive halving over row budgets. */
        strategy: z.enum(['grid', 'random', 'halving']).default('grid'),
        trials: z.number().int().min(1).max(1000).optional(),
        halving: z.object({ eta: z.number().min(1.5).max(10), minBudget: z.number().gt(0).lt(1) }).strict().optional(),
        /** Feature subsets to try, each within the pipeline's features; absent → all of them. */
        featureSets: z
          .array(z.object({ numeric: z.array(columnName).default([]), categorical: z.array(columnName).default([]) }).strict())
          .max(50)
          .optional(),
        space: searchSpaceSchema,
      })
      .strict()
      .optional(),
    /** No gate → no model is ever blessed or deployed (fail closed). */
    gate: z
      .object({
        metric: z.enum(METRIC_NAMES as [MetricName, ...MetricName[]]),
        /** The floor of a metric where higher is better (accuracy, macroF1, rocAuc, r2). */
        minimum: z.number().finite().optional(),
        /** The ceiling of a metric where lower is better (logLoss, rmse, mae). */
        maximum: z.number().finite().optional(),
        /** The candidate must beat the serving champion on the same holdout by at least this much (in the metric's units). */
        minImprovement: z.number().finite().default(0),
      })
      .strict()
      .optional(),
    /** Replaced by `rollout`; kept only to name the change when an older definition uses it. */
    deploy: z.unknown().optional(),
    /** How a new version earns its place; absent → a model with a champion already is registered, never served. */
    rollout: rolloutSchema.optional(),
    monitor: z
      .object({
        intervalSeconds: z.number().int().min(1).max(86_400 * 7).default(3600),
        psiThreshold: z.number().positive().default(0.25),
        ksPValueThreshold: z.number().gt(0).lt(1).default(0.001),
        minRows: z.number().int().min(1).default(100),
        /** Breach when labelled accuracy in a window falls this far below the champion's holdout accuracy. */
        maxAccuracyDrop: z.number().min(0).max(1).default(0.1),
        /** Regression: breach when labelled RMSE in a window exceeds the champion's holdout RMSE by this fraction. */
        maxRmseIncrease: z.number().min(0).max(100).default(0.5),
        /** The drift test suite (lib/stats/DRIFT.md); absent → Evidently's automatic choice with its defaults. */
        drift: driftSchema.optional(),
        /** Classifier: limits on registered metrics of the champion's labelled answers (lib/config/metricLimits.ts); outside one breaches. */
        quality: metricLimitsSchema.optional(),
      })
      .strict()
      .default({ intervalSeconds: 3600, psiThreshold: 0.25, ksPValueThreshold: 0.001, minRows: 100, maxAccuracyDrop: 0.1, maxRmseIncrease: 0.5 }),
    retrain: retrainSchema,
    /** Modules (TypeScript or JavaScript, relative to the pipeline file) whose exported steps `steps` may use. */
    modules: modulesSchema,
    /** The DAG; absent → the built-in lifecycle ingest → validate → optimize → package → deploy. */
    steps: stepsSchema.optional(),
    /** Steps in flight at once: `max` in all (default 128), `perUses` per step kind. */
    parallel: parallelSchema.optional(),
    /** Temporal Schedules `mlcycle schedules apply` keeps in line with this definition. */
    schedules: schedulesSchema,
    repair: repairPolicySchema,
    /** Personal fields: dropped or keyed-hashed before any snapshot or logged prediction holds them (lib/config/pii.ts). */
    pii: piiSchema,
    /** Rollout and incident events POSTed to a webhook (lib/config/events.ts). */
    events: eventsSchema.optional(),
  })
  .strict();
