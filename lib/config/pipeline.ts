// A pipeline definition: what to learn, from which data, how to search, gate, roll out and monitor. Validated with zod.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { expectationsSchema } from '../checks/expectations.js';
import { skewConfigSchema } from '../checks/skew.js';
import { checkMetricLimitsTask, metricLimitsSchema } from './metricLimits.js';
import { METRIC_NAMES, METRICS, type MetricName } from '../train/scores.js';
import { ALGORITHM_TASKS, type Algorithm } from '../train/model.js';
import { searchSpaceSchema } from './searchSpace.js';
import { modulesSchema, parallelSchema, stepsSchema } from './steps.js';
import { ROLLOUT_METRIC_SPECS, ROLLOUT_METRICS, rolloutMetric, rolloutSchema } from './rollout.js';
import { checkRetrainSource, repairPolicySchema, schedulesSchema } from './schedules.js';
import { checkRetrainSuccess, retrainSchema } from './retrain.js';
import { driftSchema } from './drift.js';
import { checkPii, piiSchema } from './pii.js';
import { transformsSchema } from '../transforms/schema.js';
import { checkTransforms } from '../transforms/plan.js';

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

const pipelineShape = z
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
  })
  .strict();

export const pipelineSchema = pipelineShape.superRefine((p, ctx) => {
    checkFeatures(p, ctx);
    checkSpaceAndGate(p, ctx);
    checkRetrainSource(p, ctx);
    checkRollout(p, ctx);
    checkRetrainSuccess(p, ctx);
    checkPii(p, ctx);
    checkMetricLimitsTask(p, ctx);
    checkDerived(p, ctx);
  });

export type PipelineDefinition = z.infer<typeof pipelineSchema>;
/** A definition as a person writes it in TypeScript: defaults may be left out. */
export type PipelineInput = z.input<typeof pipelineSchema>;

/** Features are listed once, the target is not one of them, and feature sets stay within them (each as far as declared). */
function checkFeatures(p: z.infer<typeof pipelineShape>, ctx: z.RefinementCtx): void {
  const declared = p.features ?? { numeric: [], categorical: [] };
  const seen = new Set<string>();
  for (const name of [...declared.numeric, ...declared.categorical]) {
    if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['features'], message: `feature "${name}" is listed twice` });
    seen.add(name);
  }
  if (p.target !== undefined && seen.has(p.target)) ctx.addIssue({ code: 'custom', path: ['target'], message: `target "${p.target}" is also a feature` });
  (p.search?.featureSets ?? []).forEach((set, i) => {
    for (const name of set.numeric.filter((f) => !declared.numeric.includes(f))) {
      ctx.addIssue({ code: 'custom', path: ['search', 'featureSets', i], message: `"${name}" is not one of the pipeline's numeric features` });
    }
    for (const name of set.categorical.filter((f) => !declared.categorical.includes(f))) {
      ctx.addIssue({ code: 'custom', path: ['search', 'featureSets', i], message: `"${name}" is not one of the pipeline's categorical features` });
    }
    if (set.numeric.length + set.categorical.length === 0) ctx.addIssue({ code: 'custom', path: ['search', 'featureSets', i], message: 'a feature set needs at least one feature' });
  });
}

/** Each transform parses and uses only supported expressions, in order, and the target is not one of them. */
function checkDerived(p: z.infer<typeof pipelineShape>, ctx: z.RefinementCtx): void {
  for (const issue of checkTransforms(p.transforms ?? []).issues) ctx.addIssue({ code: 'custom', path: ['transforms', ...issue.path], message: issue.message });
  (p.transforms ?? []).forEach((t, i) => {
    if (t.name === p.target) ctx.addIssue({ code: 'custom', path: ['transforms', i, 'name'], message: `"${t.name}" is the target` });
  });
}

/** Algorithms must fit the task, grid search needs lists, and the gate's metric and bound must fit the task and direction. */
function checkSpaceAndGate(p: z.infer<typeof pipelineShape>, ctx: z.RefinementCtx): void {
  const space = (p.search?.space ?? {}) as Record<Algorithm, Record<string, unknown> | undefined>;
  for (const algorithm of Object.keys(ALGORITHM_TASKS) as Algorithm[]) {
    const params = space[algorithm];
    if (!params) continue;
    if (!ALGORITHM_TASKS[algorithm].includes(p.task)) {
      ctx.addIssue({ code: 'custom', path: ['search', 'space', algorithm], message: `"${algorithm}" cannot learn a ${p.task} task (it learns ${ALGORITHM_TASKS[algorithm].join(', ')})` });
    }
    if (p.search?.strategy !== 'grid') continue;
    for (const [name, values] of Object.entries(params)) {
      if (values !== undefined && !Array.isArray(values)) {
        ctx.addIssue({ code: 'custom', path: ['search', 'space', algorithm, name], message: 'grid search needs a list of values (use strategy "random" or "halving" for a range)' });
      }
    }
  }
  if (!p.gate) return;
  const metric = METRICS[p.gate.metric];
  if (metric.task !== p.task) {
    ctx.addIssue({ code: 'custom', path: ['gate', 'metric'], message: `"${p.gate.metric}" is a ${metric.task} metric; this pipeline's task is ${p.task}` });
  }
  const [needed, other] = metric.higherIsBetter ? (['minimum', 'maximum'] as const) : (['maximum', 'minimum'] as const);
  if (p.gate[needed] === undefined) {
    ctx.addIssue({ code: 'custom', path: ['gate', needed], message: `is required for "${p.gate.metric}" (${metric.higherIsBetter ? 'higher' : 'lower'} is better)` });
  }
  if (p.gate[other] !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['gate', other], message: `does not apply to "${p.gate.metric}" (${metric.higherIsBetter ? 'higher' : 'lower'} is better): use "${needed}"` });
  }
}

/** The old `deploy` section is named with what replaces it; the rollout's metric must fit the task. */
function checkRollout(p: z.infer<typeof pipelineShape>, ctx: z.RefinementCtx): void {
  if (p.deploy !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['deploy'], message: 'was replaced by "rollout" (stages, minEffect, guardrails): a fixed challenger share is never promoted or rolled back' });
  }
  if (!p.rollout) return;
  const metric = rolloutMetric(p.rollout, p.task);
  if (ROLLOUT_METRIC_SPECS[metric].task !== p.task) {
    const fits = ROLLOUT_METRICS.filter((m) => ROLLOUT_METRIC_SPECS[m].task === p.task).join(', ');
    ctx.addIssue({ code: 'custom', path: ['rollout', 'metric'], message: `"${metric}" does not fit a ${p.task} task (${fits})` });
  }
}

export class PipelineError extends Error {
  override name = 'PipelineError';
}

/**
 * Validates a parsed definition; a data path is resolved against baseDir. Every mistake is named. The sections a
 * DAG's steps need (data, target, features, search) are checked with the DAG (lib/steps/sections.ts).
 */
export function parsePipeline(value: unknown, origin: string, baseDir: string): PipelineDefinition {
  const parsed = pipelineSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new PipelineError(`pipeline ${origin} is invalid:\n${lines.join('\n')}`);
  }
  const { data, schedules } = parsed.data;
  const retrainSource = schedules.retrain?.source;
  return {
    ...parsed.data,
    // A definition without data keeps no `data` key (its stored version hash is that of its content).
    ...(data ? { data: 'path' in data ? { ...data, path: resolve(baseDir, data.path) } : data } : {}),
    modules: parsed.data.modules.map((m) => resolve(baseDir, m)),
    // A retraining folder, like the data path, is taken relative to the pipeline file.
    schedules: retrainSource && 'folder' in retrainSource && schedules.retrain
      ? { ...schedules, retrain: { ...schedules.retrain, source: { ...retrainSource, folder: resolve(baseDir, retrainSource.folder) } } }
      : schedules,
  };
}

/** Reads a pipeline JSON file. */
export async function loadPipeline(path: string): Promise<PipelineDefinition> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new PipelineError(`cannot read pipeline ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // The parser's message quotes the file; only where it failed is said (the file may not be a pipeline at all).
    const at = /position (\d+)/.exec((err as Error).message);
    throw new PipelineError(`pipeline ${path} is not valid JSON${at ? ` (at character ${at[1]})` : ''}`);
  }
  return parsePipeline(json, path, dirname(resolve(path)));
}
