// The predict use case: check instances, route each by its request id, score per variant, log every prediction.
import { randomUUID } from 'node:crypto';
import type { InputField } from '../lib/report/modelCard.js';
import type { RawRecord } from '../lib/data/table.js';
import type { PredictionLogEntry } from '../lib/store/predictions.js';
import { checkInstance, type InstanceRecord } from './feeds.js';
import { badInput } from './errors.js';
import type { ServedModel, ServedVersion } from './modelRegistry.js';
import type { PredictionLog } from './predictionLog.js';
import { chooseVariant, type Variant } from './router.js';
import { findDuplicate, type PredictBody } from './schemas.js';
import type { ScoringPool } from './scoringPool.js';

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
  const inputs = requiredInputs(model);
  for (let i = 0; i < instances.length; i++) {
    const problem = checkInstance(instances[i], i, inputs);
    if (problem) throw badInput(problem);
  }
  return requestIds ?? instances.map(() => randomUUID());
}

/** Scores a checked request: instances are grouped by variant, each group is one (micro-batched) pool call. */
export async function predict(ctx: PredictContext, model: ServedModel, body: PredictBody): Promise<PredictResponse> {
  const ids = checkBody(model, body);
  const { instances } = body;
  const variants: Variant[] = ids.map((id) => (model.challenger ? chooseVariant(id, model.challengerWeight) : 'champion'));
  const groups: { variant: Variant; served: ServedVersion; indices: number[] }[] = [];
  for (const variant of ['champion', 'challenger'] as const) {
    const served = variant === 'champion' ? model.champion : model.challenger;
    const indices: number[] = [];
    for (let i = 0; i < variants.length; i++) if (variants[i] === variant) indices.push(i);
    if (served && indices.length > 0) groups.push({ variant, served, indices });
  }
  const predictions: Prediction[] = new Array(instances.length);
  await Promise.all(
    groups.map(async ({ variant, served, indices }) => {
      const rows: InstanceRecord[] = indices.map((i) => instances[i]);
      const out = await ctx.pool.score(served.scoring, rows);
      const { version } = served;
      if (out.task === 'regression') {
        for (let k = 0; k < indices.length; k++) {
          const i = indices[k];
          const value = out.values[k];
          if (!Number.isFinite(value)) throw new Error(`${model.name}@${version} predicted ${value} for instances[${i}]`);
          predictions[i] = { requestId: ids[i], value, variant, version };
        }
        return;
      }
      const classes = served.card.signature.classes;
      if (out.classes !== classes.length) throw new Error(`${model.name}@${version}: ${out.classes} probabilities for ${classes.length} classes`);
      for (let k = 0; k < indices.length; k++) {
        const probabilities: Record<string, number> = {};
        for (let c = 0; c < classes.length; c++) probabilities[classes[c]] = out.probabilities[k * classes.length + c];
        const i = indices[k];
        predictions[i] = { requestId: ids[i], label: out.labels[k], probabilities, variant, version };
      }
    }),
  );
  const latencyMs = ctx.elapsedMs();
  const entries: PredictionLogEntry[] = predictions.map((p, i) => ({
    requestId: p.requestId,
    modelName: model.name,
    modelVersion: p.version,
    variant: p.variant,
    input: instances[i] as RawRecord,
    output: 'value' in p ? { value: p.value } : { label: p.label, probabilities: p.probabilities },
    latencyMs,
  }));
  await ctx.log.add(entries);
  return { model: model.name, predictions };
}
