// Runs a user step from its module: its context (progress, logger, cancellation, tables), and its outputs checked against its contract.
import { Context } from '@temporalio/activity';
import { canonicalJson } from '../lib/steps/cacheKey.js';
import { fromArquero, toArquero } from '../lib/steps/arquero.js';
import { isStepError, type StepContext, type StepRunResult } from '../lib/steps/define.js';
import { DataError } from '../lib/data/errors.js';
import { failure } from '../contracts/failures.js';
import type { StepOutputs, UserStepInput } from '../contracts/steps.js';
import { checkedDefinitionOf } from './definitions.js';
import { keepHeartbeating, loadSnapshot, type ActivityDeps } from './deps.js';
import { storeSnapshot } from './snapshots.js';

const MAX_DATA_BYTES = 64 * 1024;

/** The result must hold what the step declared it produces, and nothing large. */
function checkOutputs(input: UserStepInput, produces: readonly string[], result: StepRunResult | undefined): StepOutputs {
  const where = `step "${input.stepId}" (${input.uses})`;
  if (result === null || typeof result !== 'object') throw failure('StepRejected', `${where} returned ${String(result)}, expected an object such as { dataset, data, summary }`);
  const extra = Object.keys(result).filter((k) => !['dataset', 'data', 'summary'].includes(k));
  if (extra.length) throw failure('StepRejected', `${where} returned unknown field(s) ${extra.join(', ')} (allowed: dataset, data, summary)`);
  for (const kind of ['dataset', 'data'] as const) {
    if (produces.includes(kind) && result[kind] === undefined) throw failure('StepRejected', `${where} declares it produces "${kind}" but returned none`);
    if (!produces.includes(kind) && result[kind] !== undefined) throw failure('StepRejected', `${where} returned "${kind}" without declaring it in produces`);
  }
  if (result.dataset && (typeof result.dataset.id !== 'string' || typeof result.dataset.uri !== 'string')) {
    throw failure('StepRejected', `${where} returned a dataset that is not a reference from ctx.saveTable`);
  }
  if (result.data !== undefined) {
    if (typeof result.data !== 'object' || result.data === null || Array.isArray(result.data)) throw failure('StepRejected', `${where}: "data" must be a JSON object`);
    const bytes = Buffer.byteLength(canonicalJson(result.data));
    if (bytes > MAX_DATA_BYTES) throw failure('StepRejected', `${where} returned ${bytes} bytes of data (at most ${MAX_DATA_BYTES}): store large results with ctx.saveTable`);
  }
  if (result.summary !== undefined && typeof result.summary !== 'string') throw failure('StepRejected', `${where}: "summary" must be text`);
  return { ...(result.dataset ? { dataset: result.dataset } : {}), ...(result.data ? { data: result.data } : {}), summary: result.summary?.slice(0, 500) };
}

export function createUserStepActivities(deps: ActivityDeps) {
  return {
    async runUserStep(input: UserStepInput): Promise<StepOutputs> {
      const checked = await checkedDefinitionOf(deps, input.pipeline);
      const descriptor = checked.catalog.get(input.uses);
      if (!descriptor?.step) throw failure('BadDefinition', `no user step "${input.uses}" in the modules of ${input.pipeline.name}@${input.pipeline.version}`);
      const activity = Context.current();
      const log = activity.log;
      const prefix = `[${input.stepId}] `;
      const step = descriptor.step;
      // Heartbeats keep flowing while the step awaits, so a cancellation reaches it and a lost worker is noticed.
      return keepHeartbeating(async (beat) => {
        const ctx: StepContext = {
          runId: input.runId, pipeline: input.pipeline.name, pipelineVersion: input.pipeline.version, stepId: input.stepId, attempt: activity.info.attempt,
          progress: beat,
          log: { info: (m) => log.info(prefix + m), warn: (m) => log.warn(prefix + m), error: (m) => log.error(prefix + m) },
          signal: activity.cancellationSignal,
          loadTable: async (ref) => toArquero(await loadSnapshot(deps.artifacts, ref.uri)),
          saveTable: async (table, o) =>
            storeSnapshot(deps, input.pipeline.name, fromArquero(table, o?.source ?? input.stepId), o?.source ?? `step ${input.stepId} of ${input.runId}`),
        };
        try {
          return checkOutputs(input, descriptor.produces, await step.run(ctx, { inputs: input.inputs, config: input.config }));
        } catch (err) {
          if (isStepError(err)) throw failure(err.retryable ? 'StepFailedTransiently' : 'StepRejected', err.message);
          if (err instanceof DataError) throw failure('DataError', err.message);
          throw err;
        }
      });
    },
  };
}
