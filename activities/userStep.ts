// Runs a user step from its module: its context (progress, logger, cancellation, tables), and its outputs checked against its contract.
import { Context } from '@temporalio/activity';
import { checkStepOutputs, StepOutputError } from '../lib/steps/outputs.js';
import { fromArquero, toArquero } from '../lib/steps/arquero.js';
import { isStepError, type StepContext } from '../lib/steps/define.js';
import { DataError } from '../lib/data/errors.js';
import { failure } from '../contracts/failures.js';
import type { StepOutputs, UserStepInput } from '../contracts/steps.js';
import { checkedDefinitionOf } from './definitions.js';
import { keepHeartbeating, loadSnapshot, type ActivityDeps } from './deps.js';
import { storeSnapshot } from './snapshots.js';

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
          return checkStepOutputs(`step "${input.stepId}" (${input.uses})`, descriptor.produces, await step.run(ctx, { inputs: input.inputs, config: input.config }));
        } catch (err) {
          if (isStepError(err)) throw failure(err.retryable ? 'StepFailedTransiently' : 'StepRejected', err.message);
          if (err instanceof DataError) throw failure('DataError', err.message);
          if (err instanceof StepOutputError) throw failure('StepRejected', err.message);
          throw err;
        }
      });
    },
  };
}
