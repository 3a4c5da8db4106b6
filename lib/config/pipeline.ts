// A pipeline definition: what to learn, from which data, how to search, gate, roll out and monitor. Validated with zod.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { checkMetricLimitsTask } from './metricLimits.js';
import { METRICS } from '../train/scores.js';
import { ALGORITHM_TASKS, type Algorithm } from '../train/model.js';
import { ROLLOUT_METRIC_SPECS, ROLLOUT_METRICS, rolloutMetric } from './rollout.js';
import { checkRetrainSource } from './schedules.js';
import { checkRetrainSuccess } from './retrain.js';
import { checkPii } from './pii.js';
import { checkTransforms } from '../transforms/plan.js';
import { pipelineShape } from './pipelineShape.js';

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
