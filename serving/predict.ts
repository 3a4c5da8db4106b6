// The predict use case: check instances, route each by its request id, score per variant, log every prediction.
import { randomUUID } from 'node:crypto';
import type { InputField } from '../lib/report/modelCard.js';
import { typedInput, type PredictionLogEntry } from '../lib/store/predictionRows.js';
import { checkInstance, type InstanceRecord } from './feeds.js';
import { badInput } from './errors.js';
import type { ServedModel, ServedVersion } from './modelRegistry.js';
import type { PredictionLog } from './predictionLog.js';
import { chooseVariant, type Variant } from './router.js';
import { findDuplicate, type PredictBody } from './schemas.js';
import type { ScoringPool } from './scoringPool.js';
import type { ServingCounters } from './counters.js';
import type { ShadowLimiter } from './shadow.js';
import type { WindowAggregates } from './aggregates.js';

/** A classifier's answer for one instance: its label and every class's probability. */
export interface ClassPrediction {
  requestId: string;
  label: string;
  probabilities: Record<string, number>;
  variant: Variant;
  version: number;
}

/** A regressor's answer for one instance. */
export interface ValuePrediction {
  requestId: string;
  value: number;
  variant: Variant;
  version: number;
}

export type Prediction = ClassPrediction | ValuePrediction;

export interface PredictResponse {
  model: string;
  predictions: Prediction[];
}

export interface PredictContext {
  pool: ScoringPool;
  log: PredictionLog;
  counters: ServingCounters;
  shadow: ShadowLimiter;
  /** Drift aggregates of what is answered (absent: none kept). */
  aggregates?: WindowAggregates;
  /** A challenger's failed scoring (its instances are answered by the champion instead). */
  onChallengerError(err: unknown, model: string, version: number): void;
  /** Milliseconds since the request arrived. */
  elapsedMs(): number;
}

/** The inputs an instance must satisfy: the champion's, plus any the challenger takes besides. */
function requiredInputs(model: ServedModel): InputField[] {
  const inputs = [...model.champion.card.signature.inputs];
  for (const extra of model.challenger?.card.signature.inputs ?? []) {
    if (!inputs.some((i) => i.name === extra.name && i.kind === extra.kind)) inputs.push(extra);
  }
  return inputs;
}

function checkBody(model: ServedModel, body: PredictBody): string[] {
  const { instances, requestIds } = body;
  if (requestIds) {
    if (requestIds.length !== instances.length) {
      throw badInput(`requestIds must have one id per instance: got ${requestIds.length} for ${instances.length} instances`);
    }
    const duplicate = findDuplicate(requestIds, (i) => `requestIds[${i}]`);
    if (duplicate) throw badInput(`request ids must be unique: ${duplicate}`);
  }
  if (body.unitIds && body.unitIds.length !== instances.length) {
    throw badInput(`unitIds must have one id per instance: got ${body.unitIds.length} for ${instances.length} instances`);
  }
  const inputs = requiredInputs(model);
  for (let i = 0; i < instances.length; i++) {
    const problem = checkInstance(instances[i], i, inputs);
    if (problem) throw badInput(problem);
  }
  return requestIds ?? instances.map(() => randomUUID());
}

type Answer = Omit<ClassPrediction, 'variant' | 'version'> | Omit<ValuePrediction, 'variant' | 'version'>;

/** One pool call for some instances of a request: each instance's answer, in the order given. */
async function score(ctx: PredictContext, model: ServedModel, served: ServedVersion, rows: InstanceRecord[], ids: string[]): Promise<Answer[]> {
  const out = await ctx.pool.score(served.scoring, rows);
  const { version } = served;
  if (out.task === 'regression') {
    return ids.map((requestId, k) => {
      const value = out.values[k];
      if (!Number.isFinite(value)) throw new Error(`${model.name}@${version} predicted ${value} for request ${requestId}`);
      return { requestId, value };
    });
  }
  const classes = served.card.signature.classes;
  if (out.classes !== classes.length) throw new Error(`${model.name}@${version}: ${out.classes} probabilities for ${classes.length} classes`);
  return ids.map((requestId, k) => {
    const probabilities: Record<string, number> = {};
    for (let c = 0; c < classes.length; c++) probabilities[classes[c]] = out.probabilities[k * classes.length + c];
    return { requestId, label: out.labels[k], probabilities };
  });
}

const answerValue = (a: Answer): string | number => ('value' in a ? a.value : a.label);

function logEntry(model: ServedModel, a: Answer, served: ServedVersion, variant: PredictionLogEntry['variant'], input: InstanceRecord, latencyMs: number): PredictionLogEntry {
  const { layout } = served;
  const answer = 'value' in a
    ? { label: null, prob: null, value: a.value }
    : { label: a.label, prob: layout.classes.map((c) => a.probabilities[c]), value: null };
  return { requestId: a.requestId, modelName: model.name, modelVersion: served.version, variant, at: Date.now(), layout, ...typedInput(layout, input), ...answer, latencyMs };
}

/** The challenger scores a copy of its share of units; its answers are logged, never returned, never awaited by the caller. */
function mirror(ctx: PredictContext, model: ServedModel, challenger: ServedVersion, rows: InstanceRecord[], ids: string[]): void {
  if (!ctx.shadow.tryAcquire()) return;
  const started = performance.now();
  score(ctx, model, challenger, rows, ids)
    .then((answers) => {
      ctx.counters.add(model.name, challenger.version, 'shadow', rows.length);
      ctx.aggregates?.add(model.name, challenger.version, 'shadow', rows, answers.map(answerValue));
      const latencyMs = performance.now() - started;
      return ctx.log.add(answers.map((a, k) => logEntry(model, a, challenger, 'shadow', rows[k], latencyMs)));
    })
    .catch((err: unknown) => {
      ctx.counters.add(model.name, challenger.version, 'shadow', rows.length, rows.length);
      ctx.onChallengerError(err, model.name, challenger.version);
    })
    .finally(() => ctx.shadow.release());
}

/**
 * Scores a checked request. Each instance's unit (unitIds[i], else the unit header, else its request id) picks its
 * variant: in a split the challenger answers its share of units, and an instance it fails to score is answered by the
 * champion (the failure counts against the challenger); in shadow the champion answers everything and the challenger
 * scores a copy of its share on the side.
 */
export async function predict(ctx: PredictContext, model: ServedModel, body: PredictBody, unitHeader?: string): Promise<PredictResponse> {
  const ids = checkBody(model, body);
  const { instances } = body;
  const units = body.unitIds ?? (unitHeader ? instances.map(() => unitHeader) : ids);
  const { champion, challenger } = model;
  const split = challenger && model.challengerMode === 'split' ? model.challengerWeight : 0;
  const shadow = challenger && model.challengerMode === 'shadow' ? model.challengerWeight : 0;
  const toChallenger: number[] = [];
  const toChampion: number[] = [];
  const mirrored: number[] = [];
  units.forEach((unit, i) => {
    (split > 0 && chooseVariant(unit, split) === 'challenger' ? toChallenger : toChampion).push(i);
    if (shadow > 0 && chooseVariant(unit, shadow) === 'challenger') mirrored.push(i);
  });
  if (challenger && mirrored.length > 0) mirror(ctx, model, challenger, mirrored.map((i) => instances[i]), mirrored.map((i) => ids[i]));

  const predictions: Prediction[] = new Array(instances.length);
  const variantOf: Variant[] = new Array(instances.length);
  const answer = async (served: ServedVersion, variant: Variant, indices: number[]): Promise<void> => {
    if (indices.length === 0) return;
    const answers = await score(ctx, model, served, indices.map((i) => instances[i]), indices.map((i) => ids[i]));
    ctx.counters.add(model.name, served.version, variant, indices.length);
    ctx.aggregates?.add(model.name, served.version, variant, indices.map((i) => instances[i]), answers.map(answerValue));
    indices.forEach((i, k) => {
      predictions[i] = { ...answers[k], variant, version: served.version } as Prediction;
      variantOf[i] = variant;
    });
  };
  const championAnswers = answer(champion, 'champion', toChampion).catch((err: unknown) => {
    ctx.counters.add(model.name, champion.version, 'champion', toChampion.length, toChampion.length);
    throw err;
  });
  const challengerAnswers = challenger
    ? answer(challenger, 'challenger', toChallenger).catch((err: unknown) => {
        ctx.counters.add(model.name, challenger.version, 'challenger', toChallenger.length, toChallenger.length);
        ctx.onChallengerError(err, model.name, challenger.version);
        return answer(champion, 'champion', toChallenger);
      })
    : Promise.resolve();
  await Promise.all([championAnswers, challengerAnswers]);
  const latencyMs = ctx.elapsedMs();
  await ctx.log.add(predictions.map((p, i) => logEntry(model, p, variantOf[i] === 'challenger' && challenger ? challenger : champion, variantOf[i], instances[i], latencyMs)));
  return { model: model.name, predictions };
}
