// The v1 interpreter, frozen: runs begun before the engine-v2 patch replay through it (3 activities per step, the plan in one payload).
import { ApplicationFailure, CancellationScope, CancelledFailure, isCancellation, patched, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { failure, failureTypeOf, rootMessage } from '../contracts/failures.js';
import { ownWords, stepName } from '../contracts/stepMessages.js';
import { FAILED_STEP_ATTRIBUTE, PIPELINE_ATTRIBUTE } from '../contracts/names.js';
import { stepInputs, type PlannedStep, type StepOutputs, type StepRecord } from '../contracts/steps.js';
import type { LifecycleInput, LifecycleResult } from '../contracts/types.js';
import { ApprovalDesk } from './approval.js';
import { runBuiltin } from './builtins.js';
import { engineActivities, stepActivities } from './policies.js';
import { runMemo, summarize } from './runSummary.js';
import { RunTracker } from './tracker.js';

export async function lifecycleV1(input: LifecycleInput): Promise<LifecycleResult> {
  const runId = workflowInfo().workflowId;
  const tracker = new RunTracker(input.reason);
  // The `approval` Update and the `approvals` Query: no command until an approval step opens a request.
  const approvals = new ApprovalDesk(runId);
  upsertSearchAttributes([{ key: PIPELINE_ATTRIBUTE, value: input.pipeline.name }]);
  // Runs started before the memo existed replay without it (their histories have no memo or failed-step commands).
  const described = patched('mlcycle-run-memo');
  if (described) upsertMemo(runMemo(input));
  const plan = await engineActivities('plan the DAG').planRun({ pipeline: input.pipeline });
  tracker.plan(plan.steps);

  const outputs = new Map<string, StepOutputs>();
  const records: StepRecord[] = [];
  const keys = new Map<string, string>();
  let failed: { step: PlannedStep; error: unknown } | null = null;

  const runStep = async (step: PlannedStep): Promise<void> => {
    tracker.set(step.id, 'running', 'checking for a recorded result');
    const inputs = stepInputs(step, outputs);
    const started = Date.now();
    const prepared = await engineActivities(`${step.id}: cache lookup`).prepareStep({
      runId, pipeline: input.pipeline, step: { id: step.id, uses: step.uses, cache: step.cache, config: step.config }, inputs,
      source: input.source, sourceDigest: input.sourceDigest, noCache: input.noCache ?? false,
    });
    keys.set(step.id, prepared.cacheKey);
    // The memo names the run's data snapshot once ingest made (or reused) it.
    const snapshot = (o: StepOutputs): void => {
      if (described && step.uses === 'ingest' && o.dataset) upsertMemo({ snapshot: o.dataset.id });
    };
    if (prepared.reused) {
      snapshot(prepared.reused.outputs);
      outputs.set(step.id, prepared.reused.outputs);
      records.push({ id: step.id, uses: step.uses, state: 'reused', cacheKey: prepared.cacheKey, durationMs: 0, summary: prepared.reused.outputs.summary ?? '', reusedFrom: prepared.reused.fromRun });
      tracker.set(step.id, 'reused', `reused from ${prepared.reused.fromRun}: ${prepared.reused.outputs.summary ?? ''}`, 0);
      return;
    }
    const report = (message: string): void => tracker.report(step.id, message);
    const out = step.builtin
      ? await runBuiltin({ runId, input, step, inputs, progress: tracker.progress, report, approvals })
      : await stepActivities(step, step.id).runUserStep({ runId, pipeline: input.pipeline, stepId: step.id, uses: step.uses, config: step.config, inputs });
    const durationMs = Date.now() - started;
    await engineActivities(`${step.id}: record result`).recordStep({
      runId, pipeline: input.pipeline, stepId: step.id, uses: step.uses, cacheKey: prepared.cacheKey, cacheable: prepared.cacheable, outputs: out, durationMs,
    });
    snapshot(out);
    outputs.set(step.id, out);
    records.push({ id: step.id, uses: step.uses, state: 'done', cacheKey: prepared.cacheKey, durationMs, summary: out.summary ?? '', reusedFrom: null });
    tracker.set(step.id, 'done', out.summary ?? 'done', durationMs);
  };

  // Start every step whose needs are met; a failure cancels the running siblings and nothing new starts.
  const scope = new CancellationScope();
  const running = new Map<string, Promise<void>>();
  const pending = [...plan.steps];
  await scope
    .run(async () => {
      const cancelled = (): boolean => CancellationScope.current().consideredCancelled;
      while (!failed && !cancelled() && (pending.length > 0 || running.size > 0)) {
        for (const step of pending.filter((s) => s.needs.every((n) => outputs.has(n)))) {
          pending.splice(pending.indexOf(step), 1);
          const settled = runStep(step).then(
            () => void running.delete(step.id),
            (error: unknown) => {
              running.delete(step.id);
              if (!failed && !isCancellation(error)) failed = { step, error };
              if (failed) scope.cancel();
            },
          );
          running.set(step.id, settled);
        }
        if (running.size === 0) break;
        await Promise.race(running.values());
      }
      await Promise.all(running.values());
      if (!failed && cancelled()) throw new CancelledFailure('the run was cancelled');
    })
    .catch((err: unknown) => {
      if (!failed) throw err;
    });

  if (failed) {
    const { step, error } = failed as { step: PlannedStep; error: unknown };
    const type = failureTypeOf(error);
    const message = ownWords(rootMessage(error), step);
    for (const s of tracker.progress.steps) if (s.state === 'running' && s.id !== step.id) tracker.set(s.id, 'cancelled', `cancelled: step "${step.id}" failed`);
    tracker.set(step.id, 'failed', `failed: ${message}`);
    if (patched('mlcycle-failed-step-attribute')) upsertSearchAttributes([{ key: FAILED_STEP_ATTRIBUTE, value: step.id }]);
    await CancellationScope.nonCancellable(() =>
      engineActivities(`${step.id}: record failure`).recordStepFailure({
        runId, pipeline: input.pipeline, stepId: step.id, uses: step.uses, cacheKey: keys.get(step.id) ?? null, error: message, failureType: type ?? 'StepFailed',
      }),
    );
    throw ApplicationFailure.create({
      type: type ?? 'StepFailed',
      nonRetryable: true,
      message: `${stepName(step)} failed: ${message}`,
      // `message`: the step's own words, for those that name the step beside them (the repair round, alerts).
      details: [{ step: step.id, uses: step.uses, cause: type ?? (error instanceof Error ? error.name : 'unknown'), message }],
    });
  }
  if (pending.length > 0) throw failure('BadDefinition', `steps ${pending.map((s) => s.id).join(', ')} never became ready`);
  return summarize(input, records, outputs);
}
