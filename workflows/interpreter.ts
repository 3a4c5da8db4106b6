// The v2 interpreter: the plan in pages, the memoized prefix in one activity, a user step in one activity, continue-as-new past a budget.
import {
  ApplicationFailure, CancellationScope, CancelledFailure, condition, continueAsNew, isCancellation, sleep, upsertMemo, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import { failure, failureTypeOf, rootMessage } from '../contracts/failures.js';
import { ownWords, stepName } from '../contracts/stepMessages.js';
import { FAILED_STEP_ATTRIBUTE, PIPELINE_ATTRIBUTE } from '../contracts/names.js';
import { stepInputs, type PlannedStep, type StepOutputs } from '../contracts/steps.js';
import type { LifecycleInput, LifecycleResult } from '../contracts/types.js';
import { ApprovalDesk } from './approval.js';
import { runBuiltin } from './builtins.js';
import { carryOf, fromRanges, LISTED_STEPS, StepLedger, type CarryState } from './carry.js';
import { loadPlan } from './planPages.js';
import { engineLocal, localStepActivities, stepActivities } from './policies.js';
import { runMemo, summarize } from './runSummary.js';
import { RunTracker } from './tracker.js';

/** History events a run may reach before it stops starting steps, lets the running ones finish, and continues as new. */
export const CONTINUE_AS_NEW_EVENTS = 10_000;
/** Events a step may add at most (an activity's three, a workflow task's three, an upsert): the budget's own count. */
const EVENTS_PER_STEP = 7;
/** Local steps launched before the interpreter lets the workflow task end (so queries and Updates are answered). */
const YIELD_EVERY = 200;

export async function lifecycleV2(input: LifecycleInput): Promise<LifecycleResult> {
  const runId = workflowInfo().workflowId;
  const tracker = new RunTracker(input.reason, true);
  const approvals = new ApprovalDesk(runId);
  upsertSearchAttributes([{ key: PIPELINE_ATTRIBUTE, value: input.pipeline.name }]);
  upsertMemo(runMemo(input));
  const { steps, parallel } = await loadPlan(input.pipeline);
  tracker.plan(steps);

  const index = new Map(steps.map((s, k) => [s.id, k]));
  const dependents: number[][] = steps.map(() => []);
  steps.forEach((s, k) => s.needs.forEach((n) => dependents[index.get(n) as number].push(k)));
  // Who takes a step's outputs as an input (by port): only these outputs are carried or handed back, never all of a fan's.
  const consumers: number[][] = steps.map(() => []);
  steps.forEach((s, k) => Object.values(s.inputs).forEach((from) => consumers[index.get(from as string) as number].push(k)));
  const outputsById = new Map<string, StepOutputs>();
  const carried = input.resume;
  const state: CarryState = {
    generation: carried?.generation ?? 0, finished: new Set(fromRanges(carried?.finished ?? [])), reused: new Set(fromRanges(carried?.reused ?? [])), outputs: new Map(),
  };
  const ledger = new StepLedger();
  const listed = new Set<number>();
  const keep = (k: number, o: StepOutputs): void => {
    state.outputs.set(k, o);
    outputsById.set(steps[k].id, o);
  };
  if (carried) {
    for (const [k, o] of Object.entries(carried.outputs)) keep(Number(k), o);
    ledger.records = carried.records;
    ledger.omitted = carried.omitted;
    for (const r of carried.records) listed.add(index.get(r.id) as number);
    tracker.carry([...state.finished].map((k) => ({ id: steps[k].id, state: state.reused.has(k) ? 'reused' : 'done' })), carried.events);
  }
  const snapshot = (k: number, o: StepOutputs): void => {
    if (steps[k].uses === 'ingest' && o.dataset) upsertMemo({ snapshot: o.dataset.id });
  };
  const finish = (k: number, o: StepOutputs | undefined, how: { cacheKey: string; durationMs: number; reusedFrom: string | null }): void => {
    const step = steps[k];
    state.finished.add(k);
    if (how.reusedFrom) state.reused.add(k);
    if (o) {
      keep(k, o);
      snapshot(k, o);
    }
    const summary = o?.summary ?? '';
    if (ledger.add({ id: step.id, uses: step.uses, state: how.reusedFrom ? 'reused' : 'done', cacheKey: how.cacheKey, durationMs: how.durationMs, summary, reusedFrom: how.reusedFrom }, step.builtin)) listed.add(k);
    if (how.reusedFrom) tracker.set(step.id, 'reused', `reused from ${how.reusedFrom}${summary ? `: ${summary}` : ''}`, 0);
    else tracker.set(step.id, 'done', summary || 'done', how.durationMs);
  };

  // The memoized prefix: every step whose recorded result stands, found in one activity.
  if (!input.noCache && state.finished.size < steps.length) {
    const done = Object.fromEntries([...state.outputs].filter(([k]) => consumers[k].some((d) => !state.finished.has(d))));
    const memo = await engineLocal('reuse recorded results').resolveMemo({
      runId, pipeline: input.pipeline, source: input.source, sourceDigest: input.sourceDigest, done, doneIndices: [...state.finished],
      listUpTo: Math.max(0, LISTED_STEPS - ledger.records.length),
    });
    for (const [k, r, cacheKey] of memo.reused) finish(k, memo.outputs[k], { cacheKey, durationMs: 0, reusedFrom: memo.runs[r] });
  }

  const keys = new Map<string, string>();
  let failed: { step: PlannedStep; error: unknown } | null = null;
  /** One step, start to end; its end (or failure) is settled in the continuation of its last await (see below). */
  const runStep = async (k: number): Promise<void> => {
    try {
      await stepBody(k);
    } catch (error) {
      settle(k, error);
    }
  };
  const stepBody = async (k: number): Promise<void> => {
    const step = steps[k];
    const inputs = stepInputs(step, outputsById);
    if (!step.builtin) {
      tracker.set(step.id, 'running', 'running');
      const args = { runId, pipeline: input.pipeline, stepId: step.id, uses: step.uses, inputs, source: input.source, sourceDigest: input.sourceDigest, noCache: input.noCache ?? false };
      // A local step is short: a failure elsewhere lets it finish rather than cancel it (cancelling hundreds of local
      // activities at once trips the SDK core's state machine); nothing new starts, and the run ends once it is done.
      const r = step.local
        ? await CancellationScope.nonCancellable(() => localStepActivities(step, step.id).executeStep(args))
        : await stepActivities(step, step.id).executeStep(args);
      keys.set(step.id, r.cacheKey);
      finish(k, r.outputs, r);
      settle(k);
      return;
    }
    tracker.set(step.id, 'running', 'checking for a recorded result');
    const started = Date.now();
    const prepared = await engineLocal(`${step.id}: cache lookup`).prepareStep({
      runId, pipeline: input.pipeline, step: { id: step.id, uses: step.uses, cache: step.cache, config: step.config }, inputs,
      source: input.source, sourceDigest: input.sourceDigest, noCache: input.noCache ?? false,
    });
    keys.set(step.id, prepared.cacheKey);
    if (prepared.reused) {
      finish(k, prepared.reused.outputs, { cacheKey: prepared.cacheKey, durationMs: 0, reusedFrom: prepared.reused.fromRun });
      return settle(k);
    }
    const out = await runBuiltin({ runId, input, step, inputs, progress: tracker.progress, report: (m) => tracker.report(step.id, m), approvals });
    const durationMs = Date.now() - started;
    await engineLocal(`${step.id}: record result`).recordStep({
      runId, pipeline: input.pipeline, stepId: step.id, uses: step.uses, cacheKey: prepared.cacheKey, cacheable: prepared.cacheable, outputs: out, durationMs,
    });
    finish(k, out, { cacheKey: prepared.cacheKey, durationMs, reusedFrom: null });
    settle(k);
  };

  // Ready steps start in plan order within the limits. Everything a step's end causes (its record, the steps it frees, a
  // failure's cancellation) runs synchronously in the continuation of its last await, so the commands follow the order
  // in which results arrive, however the worker batches them (local activities replay in batches).
  // Past the budget nothing new starts; the running steps finish and the run continues as new. The budget counts this
  // run's own events too (local activities complete inside one workflow task, where historyLength stands still).
  const budget = input.continueAsNewAfterEvents ?? CONTINUE_AS_NEW_EVENTS;
  const waiting = steps.map((s) => s.needs.filter((n) => !state.finished.has(index.get(n) as number)).length);
  let ready = steps.map((_, k) => k).filter((k) => !state.finished.has(k) && waiting[k] === 0);
  const inFlight = new Map<string, number>();
  let running = 0;
  let launched = 0;
  let draining = false;
  let localSinceYield = 0;
  const scope = new CancellationScope();

  const settled = new Set<number>();
  function settle(k: number, error?: unknown): void {
    if (settled.has(k)) throw error instanceof Error ? error : new Error(`step ${steps[k].id} settled twice`);
    settled.add(k);
    const uses = steps[k].uses;
    running--;
    inFlight.set(uses, (inFlight.get(uses) ?? 1) - 1);
    if (error !== undefined) {
      if (!failed && !isCancellation(error)) failed = { step: steps[k], error };
      if (failed) scope.cancel();
      return;
    }
    for (const d of dependents[k]) if (--waiting[d] === 0) ready.push(d);
    startReady();
  }
  function startReady(): void {
    if (failed || scope.consideredCancelled) return;
    const later: number[] = [];
    for (const k of ready) {
      draining ||= workflowInfo().continueAsNewSuggested || Math.max(workflowInfo().historyLength, EVENTS_PER_STEP * launched) > budget;
      const uses = steps[k].uses;
      const cap = parallel.perUses[uses];
      if (draining || localSinceYield >= YIELD_EVERY || running >= parallel.max || (cap !== undefined && (inFlight.get(uses) ?? 0) >= cap)) {
        later.push(k);
        continue;
      }
      running++;
      launched++;
      if (steps[k].local) localSinceYield++;
      inFlight.set(uses, (inFlight.get(uses) ?? 0) + 1);
      void runStep(k);
    }
    ready = later;
  }

  await scope
    .run(async () => {
      try {
        startReady();
        await condition(() => running === 0);
        // Local steps run inside one workflow task, which answers no query until it ends: let it end now and then.
        while (localSinceYield >= YIELD_EVERY && !draining && !failed && ready.length > 0) {
          await sleep(1);
          localSinceYield = 0;
          startReady();
          await condition(() => running === 0);
        }
      } finally {
        // A failed sibling's or a person's cancellation reaches the running steps; the run ends once they have stopped.
        await CancellationScope.nonCancellable(() => condition(() => running === 0));
      }
      if (!failed && CancellationScope.current().consideredCancelled) throw new CancelledFailure('the run was cancelled');
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
    tracker.flush();
    upsertSearchAttributes([{ key: FAILED_STEP_ATTRIBUTE, value: step.id }]);
    await CancellationScope.nonCancellable(() =>
      engineLocal(`${step.id}: record failure`).recordStepFailure({
        runId, pipeline: input.pipeline, stepId: step.id, uses: step.uses, cacheKey: keys.get(step.id) ?? null, error: message, failureType: type ?? 'StepFailed',
      }),
    );
    throw ApplicationFailure.create({
      type: type ?? 'StepFailed',
      nonRetryable: true,
      message: `${stepName(step)} failed: ${message}`,
      details: [{ step: step.id, uses: step.uses, cause: type ?? (error instanceof Error ? error.name : 'unknown'), message }],
    });
  }
  if (state.finished.size < steps.length) {
    if (!draining) {
      const stuck = steps.filter((_, k) => !state.finished.has(k)).map((s) => s.id);
      throw failure('BadDefinition', `steps ${stuck.slice(0, 20).join(', ')}${stuck.length > 20 ? ` and ${stuck.length - 20} more` : ''} never became ready`);
    }
    // The workflow task ends before the run continues, so a follower's query is answered with this run's last events.
    tracker.flush();
    await sleep(1);
    const carry = carryOf(state, ledger, tracker.tail(), consumers, (k) => steps[k].builtin);
    return continueAsNew<(i: LifecycleInput) => Promise<LifecycleResult>>({ ...input, resume: carry });
  }
  tracker.flush();
  const outputs = new Map([...listed].map((k) => [steps[k].id, state.outputs.get(k) ?? {}]));
  return { ...summarize(input, ledger.records, outputs), ...(ledger.omitted ? { stepsOmitted: ledger.omitted } : {}) };
}
