// The predict use case: check instances, route each by its request id, score per variant, log every prediction.
import { randomUUID } from 'node:crypto';
import type { InputField } from '../lib/report/modelCard.js';
import { instanceId, newRequestBase, type PredictionRecord } from '../lib/store/predictionRows.js';
import { recordOf, type RequestIds } from './logRecord.js';
import { checkInstance, type InstanceRecord } from './feeds.js';
import { badInput } from './errors.js';
import type { ServedModel, ServedVersion } from './modelRegistry.js';
import type { PredictionLog } from './predictionLog.js';
import { chooseVariant, type Variant } from './router.js';
import { findDuplicate, type PredictBody } from './schemas.js';
import type { ScoringPool } from '../lib/scoring/scoringPool.js';
import type { ServingCounters } from './counters.js';
import type { ShadowLimiter } from './shadow.js';
import type { WindowAggregates } from './aggregates.js';
import { modelPii } from './pii.js';

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

/** The inputs an instance must satisfy: the champion's, plus any the challenger takes besides (kept per served model). */
const inputsOf = new WeakMap<ServedModel, InputField[]>();
function requiredInputs(model: ServedModel): InputField[] {
  let inputs = inputsOf.get(model);
  if (inputs) return inputs;
  inputs = [...model.champion.card.signature.inputs];
  for (const extra of model.challenger?.card.signature.inputs ?? []) {
    if (!inputs.some((i) => i.name === extra.name && i.kind === extra.kind)) inputs.push(extra);
  }
  inputsOf.set(model, inputs);
  return inputs;
}

function checkBody(model: ServedModel, body: PredictBody): { ids: string[]; logged: RequestIds } {
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
  if (requestIds) return { ids: requestIds, logged: { sent: requestIds } };
  // One random base per request; an instance's id is the base with its index in the last four hex digits.
  const base = newRequestBase(randomUUID());
  const ids = new Array<string>(instances.length);
  for (let i = 0; i < ids.length; i++) ids[i] = instanceId(base, i);
  return { ids, logged: { base } };
}

/** One pool call for some instances of a request: each instance's prediction, in the order given. */
async function score(ctx: PredictContext, model: ServedModel, served: ServedVersion, variant: Variant, rows: InstanceRecord[], ids: string[]): Promise<Prediction[]> {
  const out = await ctx.pool.score(served.scoring, rows);
  const { version } = served;
  const predictions = new Array<Prediction>(ids.length);
  if (out.task === 'regression') {
    for (let k = 0; k < ids.length; k++) {
      const value = out.values[k];
      if (!Number.isFinite(value)) throw new Error(`${model.name}@${version} predicted ${value} for request ${ids[k]}`);
      predictions[k] = { requestId: ids[k], value, variant, version };
    }
    return predictions;
  }
  const classes = served.card.signature.classes;
  const c = classes.length;
  if (out.classes !== c) throw new Error(`${model.name}@${version}: ${out.classes} probabilities for ${c} classes`);
  for (let k = 0; k < ids.length; k++) {
    const probabilities: Record<string, number> = {};
    for (let j = 0; j < c; j++) probabilities[classes[j]] = out.probabilities[k * c + j];
    predictions[k] = { requestId: ids[k], label: out.labels[k], probabilities, variant, version };
  }
  return predictions;
}

/** The challenger scores a copy of its share of units; its answers are logged, never returned, never awaited by the caller. */
function mirror(
  ctx: PredictContext, model: ServedModel, challenger: ServedVersion, mirrored: number[], instances: InstanceRecord[], ids: string[],
  logged: RequestIds, units: ((i: number) => string | null) | null,
): void {
  if (!ctx.shadow.tryAcquire()) return;
  const started = performance.now();
  const rows = mirrored.map((i) => instances[i]);
  score(ctx, model, challenger, 'challenger', rows, mirrored.map((i) => ids[i]))
    .then((answers) => {
      ctx.counters.add(model.name, challenger.version, 'shadow', rows.length);
      ctx.aggregates?.add(model.name, challenger.version, 'shadow', rows, answers);
      const latencyMs = performance.now() - started;
      return ctx.log.add([recordOf(model, challenger, 'shadow', rows, answers as ClassPrediction[], mirrored, logged, units, latencyMs)]);
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
export async function predict(ctx: PredictContext, model: ServedModel, sent: PredictBody, unitHeader?: string): Promise<PredictResponse> {
  // Personal fields are dropped or hashed before anything sees them: scoring, aggregates, the log, the spill.
  const pii = modelPii(model);
  const body = pii ? { ...sent, instances: sent.instances.map(pii.transform) } : sent;
  const { ids, logged } = checkBody(model, body);
  const { instances } = body;
  // The unit each answer is logged with (hashed under pii rules): unitIds[i], else the header's (hashed once).
  const headerUnit = unitHeader === undefined ? null : pii ? pii.unit(unitHeader) : unitHeader;
  const unitIds = body.unitIds;
  const loggedUnit = unitIds ? (i: number): string | null => (pii ? pii.unit(unitIds[i]) : unitIds[i]) : headerUnit === null ? null : () => headerUnit;
  const { champion, challenger } = model;
  const split = challenger && model.challengerMode === 'split' ? model.challengerWeight : 0;
  const shadow = challenger && model.challengerMode === 'shadow' ? model.challengerWeight : 0;
  let toChampion: number[] | null = null; // null: every instance
  const toChallenger: number[] = [];
  if (split > 0 || shadow > 0) {
    const units = body.unitIds ?? (unitHeader ? instances.map(() => unitHeader) : ids);
    toChampion = [];
    const mirrored: number[] = [];
    for (let i = 0; i < units.length; i++) {
      (split > 0 && chooseVariant(units[i], split) === 'challenger' ? toChallenger : toChampion).push(i);
      if (shadow > 0 && chooseVariant(units[i], shadow) === 'challenger') mirrored.push(i);
    }
    if (challenger && mirrored.length > 0) mirror(ctx, model, challenger, mirrored, instances, ids, logged, loggedUnit);
  }

  const predictions: Prediction[] = new Array(instances.length);
  const answer = async (served: ServedVersion, variant: Variant, indices: number[] | null): Promise<void> => {
    const n = indices ? indices.length : instances.length;
    if (n === 0) return;
    const rows = indices ? indices.map((i) => instances[i]) : instances;
    const answers = await score(ctx, model, served, variant, rows, indices ? indices.map((i) => ids[i]) : ids);
    ctx.counters.add(model.name, served.version, variant, n);
    ctx.aggregates?.add(model.name, served.version, variant, rows, answers);
    if (!indices) for (let k = 0; k < n; k++) predictions[k] = answers[k];
    else for (let k = 0; k < n; k++) predictions[indices[k]] = answers[k];
  };
  const championCount = toChampion ? toChampion.length : instances.length;
  const championAnswers = answer(champion, 'champion', toChampion).catch((err: unknown) => {
    ctx.counters.add(model.name, champion.version, 'champion', championCount, championCount);
    throw err;
  });
  const challengerAnswers = challenger && toChallenger.length > 0
    ? answer(challenger, 'challenger', toChallenger).catch((err: unknown) => {
        ctx.counters.add(model.name, challenger.version, 'challenger', toChallenger.length, toChallenger.length);
        ctx.onChallengerError(err, model.name, challenger.version);
        return answer(champion, 'champion', toChallenger);
      })
    : Promise.resolve();
  await Promise.all([championAnswers, challengerAnswers]);
  const latencyMs = ctx.elapsedMs();
  // One record per variant that answered: the whole request, or its champion and challenger shares.
  const records: PredictionRecord[] = [];
  const byChallenger: number[] = [];
  for (let i = 0; i < predictions.length; i++) if (predictions[i].variant === 'challenger') byChallenger.push(i);
  if (byChallenger.length === 0) {
    records.push(recordOf(model, champion, 'champion', instances, predictions as ClassPrediction[], null, logged, loggedUnit, latencyMs));
  } else {
    const byChampion: number[] = [];
    for (let i = 0; i < predictions.length; i++) if (predictions[i].variant !== 'challenger') byChampion.push(i);
    for (const [served, variant, idx] of [[champion, 'champion', byChampion], [challenger!, 'challenger', byChallenger]] as const) {
      if (idx.length > 0) records.push(recordOf(model, served, variant, idx.map((i) => instances[i]), idx.map((i) => predictions[i]) as ClassPrediction[], idx, logged, loggedUnit, latencyMs));
    }
  }
  await ctx.log.add(records);
  return { model: model.name, predictions };
}
