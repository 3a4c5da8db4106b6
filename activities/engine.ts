// The engine's activities: plan a run from its stored definition, look up a step's cache key, record what each step did.
import { Context } from '@temporalio/activity';
import { lookupStep, resultContext } from '../lib/store/stepCache.js';
import { recordStepRun, saveStepResult } from '../lib/store/stepResults.js';
import { failure } from '../contracts/failures.js';
import type { PipelineRef, PlanRunInput, PreparedStep, PrepareStepInput, RecordStepFailureInput, RecordStepInput, RunPlan } from '../contracts/steps.js';
import { checkedDefinitionOf, definitionOf } from './definitions.js';
import { BUILTIN_DESCRIPTORS, computeBuiltinCodeVersions, isBuiltinStepName } from '../lib/steps/catalog.js';
import type { ActivityDeps } from './deps.js';

/** The Temporal run this activity serves (a repair is a new run of the same workflow id). */
function temporalRunId(): string {
  const runId = Context.current().info.workflowExecution?.runId;
  if (!runId) throw new Error('engine activities run on behalf of a workflow run (no workflowExecution in the activity info)');
  return runId;
}

/** The step's code version as the definition's catalog names it, for the lineage (null when it cannot be told now). */
async function codeVersionOf(deps: ActivityDeps, pipeline: PipelineRef, uses: string): Promise<string | null> {
  return (await checkedDefinitionOf(deps, pipeline).catch(() => null))?.catalog.get(uses)?.codeVersion ?? null;
}

/** The step's cache key; a recorded, still valid result for it is returned (and the reuse recorded). */
export async function prepareStep(deps: ActivityDeps, input: PrepareStepInput): Promise<PreparedStep> {
  const def = await definitionOf(deps, input.pipeline);
  const { step } = input;
  // A built-in step does not run the modules' code: a module changed since the run began fails the steps it provides, not this one.
  const builtin = isBuiltinStepName(step.uses) ? BUILTIN_DESCRIPTORS[step.uses] : undefined;
  const descriptor = (await checkedDefinitionOf(deps, input.pipeline).catch((err: unknown) => {
    if (builtin) return null;
    throw err;
  }))?.catalog.get(step.uses) ?? builtin;
  if (!descriptor) throw failure('BadDefinition', `step "${step.id}" uses "${step.uses}", which ${input.pipeline.name}@${input.pipeline.version} does not provide`);
  const { cacheKey, cacheable, recorded } = await lookupStep(
    deps.db,
    { def, descriptor, step, inputs: input.inputs, source: input.source, sourceDigest: input.sourceDigest },
    { reuse: !input.noCache },
  );
  if (!recorded) return { cacheKey, reused: null, cacheable };
  await recordStepRun(deps.db, {
    runId: input.runId, temporalRunId: temporalRunId(), pipeline: input.pipeline.name, pipelineVersion: input.pipeline.version, stepId: step.id, uses: step.uses,
    status: 'reused', cacheKey, codeVersion: descriptor.codeVersion, reusedFrom: recorded.runId, durationMs: 0,
  });
  return { cacheKey, reused: { outputs: recorded.outputs, fromRun: recorded.runId }, cacheable };
}

/** Records an executed step; its result becomes reusable when the step is cacheable. Idempotent per run and step. */
export async function recordStep(deps: ActivityDeps, input: RecordStepInput): Promise<void> {
  if (input.cacheable) {
    const championVersion = input.outputs.candidate?.candidate.champion?.version ?? null;
    await saveStepResult(deps.db, input.pipeline.name, {
      cacheKey: input.cacheKey, stepId: input.stepId, uses: input.uses, outputs: input.outputs, runId: input.runId,
      context: resultContext(input.uses, championVersion), durationMs: input.durationMs,
    });
  }
  await recordStepRun(deps.db, {
    runId: input.runId, temporalRunId: temporalRunId(), pipeline: input.pipeline.name, pipelineVersion: input.pipeline.version, stepId: input.stepId, uses: input.uses,
    status: 'executed', cacheKey: input.cacheKey, codeVersion: await codeVersionOf(deps, input.pipeline, input.uses), durationMs: input.durationMs,
  });
}

export function createEngineActivities(deps: ActivityDeps) {
  computeBuiltinCodeVersions(); // at worker start: the built-ins' cache keys name the code this process loaded
  return {
    async planRun(input: PlanRunInput): Promise<RunPlan> {
      return (await checkedDefinitionOf(deps, input.pipeline)).plan;
    },

    /** Computes the step's cache key; a recorded, still valid result for it is returned (and the reuse recorded). */
    async prepareStep(input: PrepareStepInput): Promise<PreparedStep> {
      return prepareStep(deps, input);
    },

    /** Records an executed step; its result becomes reusable when the step is cacheable. Idempotent per run and step. */
    async recordStep(input: RecordStepInput): Promise<void> {
      return recordStep(deps, input);
    },

    async recordStepFailure(input: RecordStepFailureInput): Promise<void> {
      await recordStepRun(deps.db, {
        runId: input.runId, temporalRunId: temporalRunId(), pipeline: input.pipeline.name, pipelineVersion: input.pipeline.version, stepId: input.stepId, uses: input.uses,
        status: 'failed', cacheKey: input.cacheKey, codeVersion: await codeVersionOf(deps, input.pipeline, input.uses), failureType: input.failureType, error: input.error,
      });
    },
  };
}
