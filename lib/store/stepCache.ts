// The memo lookup: a step's cache key from the stored definition and its inputs, and a recorded result that is still valid.
import type { PipelineDefinition } from '../config/pipeline.js';
import { builtinKeyConfig, inputDigests, stepCacheKey } from '../steps/cacheKey.js';
import { BUILTIN_DESCRIPTORS, isBuiltinStepName, type ResultValidity, type StepDescriptor } from '../steps/catalog.js';
import type { StepInputs } from '../steps/refs.js';
import type { Queryable } from './db.js';
import { latestSchema } from './datasets.js';
import { getDeployment, getModelVersion } from './models.js';
import { findStepResult, type StepResultRow } from './stepResults.js';

export interface CacheQuery {
  def: PipelineDefinition;
  descriptor: StepDescriptor;
  step: { id: string; uses: string; cache: boolean; config: Record<string, unknown> };
  inputs: StepInputs;
  /** The run's source, and its content digest (null when unknown before reading, e.g. a query). */
  source: unknown;
  sourceDigest: string | null;
}

export interface CacheLookup {
  cacheKey: string;
  /** False when the step's result must not be recorded for reuse (cache off, or a source with no digest). */
  cacheable: boolean;
  recorded: StepResultRow | null;
}

/**
 * Results that depend on state outside their inputs (a descriptor's `validWhile`) stay valid only while that state
 * holds: a validation while the schema it checked against (or pinned) is still the pinned one; an optimize result,
 * gated against the champion of its day, while that champion serves or when the champion now serving is the model its
 * own run produced.
 */
async function stillValid(db: Queryable, def: PipelineDefinition, validity: ResultValidity | undefined, recorded: StepResultRow): Promise<boolean> {
  switch (validity) {
    case undefined:
      return true;
    case 'pinnedSchema':
      return (await latestSchema(db, def.name))?.version === recorded.outputs.validation?.schemaVersion;
    case 'champion': {
      const current = (await getDeployment(db, def.name))?.championVersion ?? null;
      if (current === ((recorded.context.championVersion as number | null | undefined) ?? null)) return true;
      if (current === null) return false;
      return (await getModelVersion(db, def.name, current))?.runId === recorded.runId;
    }
  }
}

/** What a result gated against the champion depended on besides its key: recorded with it, checked by stillValid. */
export function resultContext(uses: string, championVersion: number | null): Record<string, unknown> {
  return isBuiltinStepName(uses) && BUILTIN_DESCRIPTORS[uses].validWhile === 'champion' ? { championVersion } : {};
}

/** The step's cache key, and whether its result may be recorded for reuse. */
export function stepKeyOf(q: CacheQuery): { cacheKey: string; cacheable: boolean } {
  // A built-in is keyed on the sections its descriptor declares (lib/steps/catalog.ts), a user step on its `with`.
  const config = q.descriptor.builtin
    ? builtinKeyConfig({ def: q.def, descriptor: q.descriptor, with: q.step.config, source: q.source, sourceDigest: q.sourceDigest })
    : q.step.config;
  const cacheKey = stepCacheKey({ pipeline: q.def.name, uses: q.step.uses, codeVersion: q.descriptor.codeVersion, config, inputs: inputDigests(q.inputs) });
  const cacheable = q.step.cache && !(q.descriptor.readsSource && q.sourceDigest === null);
  return { cacheKey, cacheable };
}

/** Whether a recorded result still stands for this step (its descriptor's `validWhile`). */
export async function resultStands(db: Queryable, q: Pick<CacheQuery, 'def' | 'descriptor'>, recorded: StepResultRow): Promise<boolean> {
  return stillValid(db, q.def, q.descriptor.validWhile, recorded);
}

export async function lookupStep(db: Queryable, q: CacheQuery, o: { reuse: boolean }): Promise<CacheLookup> {
  const { cacheKey, cacheable } = stepKeyOf(q);
  if (!cacheable || !o.reuse) return { cacheKey, cacheable, recorded: null };
  const recorded = await findStepResult(db, cacheKey);
  return { cacheKey, cacheable, recorded: recorded && (await stillValid(db, q.def, q.descriptor.validWhile, recorded)) ? recorded : null };
}
