// The predict use case: check instances, route each by its request id, score per variant, log every prediction.
import { randomUUID } from 'node:crypto';
import type { InputField } from '../lib/report/modelCard.js';
import type { BatchOutput } from '../lib/scoring/microBatcher.js';
import { newRequestBase, type PredictionRecord } from '../lib/store/predictionRows.js';
import { feedsOf, recordInputs, recordOf, type RecordInputs, type RequestIds } from './logRecord.js';
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
import { gatherOutput, requestIdOf, RequestAnswers, type AnswerPart, type Prediction } from './answers.js';

export type { ClassPrediction, ValuePrediction, Prediction } from './answers.js';
export { RequestAnswers } from './answers.js';

/** What predict answers: the model and each instance's prediction (RequestAnswers makes them from flat outputs on demand). */
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

function checkBody(model: ServedModel, body: PredictBody): RequestIds {
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
  // The client's ids, or one random base per request: an instance's id is the base with its index in the last four hex
  // digits (made when needed).
  return requestIds ? { sent: requestIds } : { base: newRequestBase(randomUUID()) };
}

/** One pool call for some instances of a request (`at(k)`: the request id of row k, for messages): the flat outputs, checked. */
async function score(
  ctx: PredictContext, model: ServedModel, served: ServedVersion, rows: InstanceRecord[], at: (k: number) => string, inputs?: RecordInputs,
): Promise<BatchOutput> {
  const out = await (inputs ? ctx.pool.scoreFeeds(served.scoring, feedsOf(served, inputs, rows.length), rows.length) : ctx.pool.score(served.scoring, rows));
  const { version } = served;
  if (out.task === 'regression') {
    for (let k = 0; k < rows.length; k++) {
      const value = out.values[k];
      if (!Number.isFinite(value)) throw new Error(`${model.name}@${version} predicted ${value} for request ${at(k)}`);
    }
    return out;
  }
  const c = served.card.signature.classes.length;
  if (out.classes !== c) throw new Error(`${model.name}@${version}: ${out.classes} probabilities for ${c} classes`);
  return out;
}

/** The challenger scores a copy of its share of units; its answers are logged, never returned, never awaited by the caller. */
function mirror(
  ctx: PredictContext, model: ServedModel, challenger: ServedVersion, mirrored: number[], instances: InstanceRecord[], ids: readonly string[],
  logged: RequestIds, units: ((i: number) => string | null) | null,
): void {
  if (!ctx.shadow.tryAcquire()) return;
  const started = performance.now();
  const rows = mirrored.map((i) => instances[i]);
  score(ctx, model, challenger, rows, (k) => ids[mirrored[k]])
    .then((out) => {
      ctx.counters.add(model.name, challenger.version, 'shadow', rows.length);
      ctx.aggregates?.add(model.name, challenger.version, 'shadow', rows, out);
      const latencyMs = performance.now() - started;
      return ctx.log.add([recordOf(model, challenger, 'shadow', rows, out, mirrored, logged, units, latencyMs)]);
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
  const logged = checkBody(model, body);
  const { instances } = body;
  // The unit each answer is logged with (hashed under pii rules): unitIds[i], else the header's (hashed once).
  const headerUnit = unitHeader === undefined ? null : pii ? pii.unit(unitHeader) : unitHeader;
  const unitIds = body.unitIds;
  const loggedUnit = unitIds ? (i: number): string | null => (pii ? pii.unit(unitIds[i]) : unitIds[i]) : headerUnit === null ? null : () => headerUnit;
  const { champion, challenger } = model;
  const split = challenger && model.challengerMode === 'split' ? model.challengerWeight : 0;
  const shadow = challenger && model.challengerMode === 'shadow' ? model.challengerWeight : 0;
  const n = instances.length;
  const idOf = requestIdOf(logged);
  let toChampion: number[] | null = null; // null: every instance
  const toChallenger: number[] = [];
  if (split > 0 || shadow > 0) {
    const all = 'sent' in logged ? logged.sent : Array.from({ length: n }, (_, i) => idOf(i));
    const units = body.unitIds ?? (unitHeader ? instances.map(() => unitHeader) : all);
    toChampion = [];
    const mirrored: number[] = [];
    for (let i = 0; i < units.length; i++) {
      (split > 0 && chooseVariant(units[i], split) === 'challenger' ? toChallenger : toChampion).push(i);
      if (shadow > 0 && chooseVariant(units[i], shadow) === 'challenger') mirrored.push(i);
    }
    if (challenger && mirrored.length > 0) mirror(ctx, model, challenger, mirrored, instances, all, logged, loggedUnit);
  }

  // Each pool call's flat outputs; a request answered whole by one variant is recorded as soon as it is scored.
  const parts: AnswerPart[] = [];
  let whole: PredictionRecord | null = null;
  const answer = async (served: ServedVersion, variant: Variant, indices: number[] | null): Promise<void> => {
    const m = indices ? indices.length : n;
    if (m === 0) return;
    const rows = indices ? indices.map((i) => instances[i]) : instances;
    // A request answered whole by one variant: its logged columns are made first, and its feeds from them (one read of each row).
    const inputs = indices ? undefined : recordInputs(served.layout, rows);
    const out = await score(ctx, model, served, rows, indices ? (k) => idOf(indices[k]) : idOf, inputs);
    ctx.counters.add(model.name, served.version, variant, m);
    if (indices) ctx.aggregates?.add(model.name, served.version, variant, rows, out);
    else {
      whole = recordOf(model, served, variant, rows, out, null, logged, loggedUnit, ctx.elapsedMs(), inputs);
      ctx.aggregates?.add(model.name, served.version, variant, rows, out, whole);
    }
    parts.push({ variant, version: served.version, classes: served.card.signature.classes, out, indices });
  };
  const championCount = toChampion ? toChampion.length : n;
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
  const answers = new RequestAnswers(model.name, n, logged, parts);
  await ctx.log.add(whole ? [whole] : routedRecords(model, answers, instances, loggedUnit, ctx.elapsedMs()));
  return answers;
}

/** One record per variant that answered a routed request: the whole request, or its champion and challenger shares. */
function routedRecords(
  model: ServedModel, answers: RequestAnswers, instances: InstanceRecord[], loggedUnit: ((i: number) => string | null) | null, latencyMs: number,
): PredictionRecord[] {
  const { parts, n, ids } = answers;
  if (parts.length === 1 && parts[0].variant === 'champion' && (parts[0].indices?.length ?? n) === n) {
    return [recordOf(model, model.champion, 'champion', instances, parts[0].out, null, ids, loggedUnit, latencyMs)];
  }
  const { part } = answers.locate();
  const byChallenger: number[] = [];
  const byChampion: number[] = [];
  for (let i = 0; i < n; i++) (parts[part[i]].variant === 'challenger' ? byChallenger : byChampion).push(i);
  if (byChallenger.length === 0) {
    return [recordOf(model, model.champion, 'champion', instances, gatherOutput(answers, byChampion), null, ids, loggedUnit, latencyMs)];
  }
  const records: PredictionRecord[] = [];
  for (const [served, variant, idx] of [[model.champion, 'champion', byChampion], [model.challenger!, 'challenger', byChallenger]] as const) {
    if (idx.length > 0) records.push(recordOf(model, served, variant, idx.map((i) => instances[i]), gatherOutput(answers, idx), idx, ids, loggedUnit, latencyMs));
  }
  return records;
}
