// Runs a user step from its module, isolated in a thread: its context (progress, logger, cancellation, tables), and its outputs checked against its contract.
import { CancelledFailure, Context } from '@temporalio/activity';
import { checkStepOutputs, StepOutputError } from '../lib/steps/outputs.js';
import { failure } from '../contracts/failures.js';
import type { PipelineRef, PlannedStep, StepOutputs, UserStepInput } from '../contracts/steps.js';
import type { ExecutedStep, ExecuteStepInput } from '../contracts/engine.js';
import { prepareStep, recordStep } from './engine.js';
import { checkedDefinitionOf } from './definitions.js';
import { keepHeartbeating, loadSnapshot, type ActivityDeps } from './deps.js';
import { storeSnapshot } from './snapshots.js';
import { IsolationStop, runIsolated, stepMemoryMb, ThreadStepError, type IsolatedStepRequest, type IsolationHost } from './stepIsolation.js';

/** Runs the step in its own thread (stepIsolation.ts) with its context; its errors become the failure types the workflow acts on. */
async function runOwn(deps: ActivityDeps, input: UserStepInput, startedAt: number): Promise<StepOutputs> {
  const checked = await checkedDefinitionOf(deps, input.pipeline);
  const descriptor = checked.catalog.get(input.uses);
  if (!descriptor?.step || !descriptor.module) throw failure('BadDefinition', `no user step "${input.uses}" in the modules of ${input.pipeline.name}@${input.pipeline.version}`);
  const activity = Context.current();
  const log = activity.log;
  const prefix = `[${input.stepId}] `;
  const timeoutMs = activity.info.startToCloseTimeoutMs;
  const request: IsolatedStepRequest = {
    module: descriptor.module, moduleHash: checked.moduleHashes[descriptor.module], uses: input.uses, inputs: input.inputs, config: input.config,
    context: { runId: input.runId, pipeline: input.pipeline.name, pipelineVersion: input.pipeline.version, stepId: input.stepId, attempt: activity.info.attempt },
  };
  // Heartbeats keep flowing while the step runs in its thread, so a cancellation reaches it and a lost worker is noticed.
  return keepHeartbeating(async (beat) => {
    const host: IsolationHost = {
      progress: beat,
      log: (level, m) => log[level](prefix + m),
      loadTable: (ref) => loadSnapshot(deps.artifacts, ref.uri),
      saveTable: (table, source) => storeSnapshot(deps, input.pipeline.name, table, source ?? `step ${input.stepId} of ${input.runId}`),
    };
    // Stopped a little before the server's start-to-close timeout, so the failure says what happened.
    const deadline = startedAt + timeoutMs - Math.min(1000, timeoutMs / 10);
    try {
      const result = await runIsolated(request, host, { deadline, signal: activity.cancellationSignal, memoryMb: stepMemoryMb() });
      return checkStepOutputs(`step "${input.stepId}" (${input.uses})`, descriptor.produces, result);
    } catch (err) {
      if (err instanceof IsolationStop) {
        if (err.reason === 'timeout') throw failure('StepTimedOut', `did not finish within its timeout of ${timeoutMs / 1000} s and was stopped`);
        if (err.reason === 'memory') throw failure('StepOutOfMemory', `${err.message} and was stopped`);
        if (err.reason === 'cancelled') throw new CancelledFailure(`step "${input.stepId}" ${err.message}`);
        throw new Error(err.message);
      }
      if (err instanceof ThreadStepError) {
        if (err.error.kind === 'step') throw failure(err.error.retryable ? 'StepFailedTransiently' : 'StepRejected', err.message);
        if (err.error.kind === 'data') throw failure('DataError', err.message);
      }
      if (err instanceof StepOutputError) throw failure('StepRejected', err.message);
      throw err;
    }
  });
}

export function createUserStepActivities(deps: ActivityDeps) {
  return {
    async runUserStep(input: UserStepInput): Promise<StepOutputs> {
      return runOwn(deps, input, Date.now());
    },

    /**
     * A user step in one activity: its key looked up, its function run when no recorded result stands, its result recorded.
     * One task hand-off per step instead of three; a failed lookup or record is retried with the step (both are idempotent).
     */
    async executeStep(input: ExecuteStepInput): Promise<ExecutedStep> {
      const started = performance.now();
      const startedAt = Date.now();
      const step = (await stepIndexOf(deps, input.pipeline)).get(input.stepId);
      if (!step) throw failure('BadDefinition', `${input.pipeline.name}@${input.pipeline.version} has no step "${input.stepId}"`);
      const prepared = await prepareStep(deps, { ...input, step: { id: step.id, uses: step.uses, cache: step.cache, config: step.config } });
      if (prepared.reused) return { cacheKey: prepared.cacheKey, outputs: prepared.reused.outputs, reusedFrom: prepared.reused.fromRun, durationMs: 0 };
      const outputs = await runOwn(deps, { runId: input.runId, pipeline: input.pipeline, stepId: step.id, uses: step.uses, config: step.config, inputs: input.inputs }, startedAt);
      // A step that returned after its cancellation was asked for is not recorded: the run is stopping it.
      const signal = Context.current().cancellationSignal;
      if (signal.aborted) throw new CancelledFailure(`step "${step.id}" was cancelled`);
      const durationMs = performance.now() - started;
      await recordStep(deps, { runId: input.runId, pipeline: input.pipeline, stepId: step.id, uses: step.uses, cacheKey: prepared.cacheKey, cacheable: prepared.cacheable, outputs, durationMs });
      return { cacheKey: prepared.cacheKey, outputs, reusedFrom: null, durationMs };
    },
  };
}

const indexes = new WeakMap<object, Map<string, PlannedStep>>();

/** The planned steps of a definition version by id (the checked definition is cached per worker, so is its index). */
async function stepIndexOf(deps: ActivityDeps, ref: PipelineRef): Promise<Map<string, PlannedStep>> {
  const checked = await checkedDefinitionOf(deps, ref);
  let index = indexes.get(checked);
  if (!index) indexes.set(checked, (index = new Map(checked.plan.steps.map((s) => [s.id, s]))));
  return index;
}
