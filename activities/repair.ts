// The repair round: finds failed lifecycle runs, restarts the repairable ones from the failed step (a new run of the
// same workflow id, whose completed steps come back from the step-result records), refuses or parks the rest.
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowIdReusePolicy, type WorkflowExecutionInfo } from '@temporalio/client';
import { failureTypeOf, repairable, rootMessage } from '../contracts/failures.js';
import { LIFECYCLE_WORKFLOW, PIPELINE_ATTRIBUTE, REPAIR_OF_ATTRIBUTE, TASK_QUEUE } from '../contracts/names.js';
import type { LifecycleInput, RepairDecision, RepairInput, RepairResult } from '../contracts/types.js';
import { claimDecision, decisionFor, openRestarts, restartsOf, setOutcome, setRepairRun } from '../lib/store/repairs.js';
import { definitionOf } from './definitions.js';
import { keepHeartbeating, type ActivityDeps } from './deps.js';
import { postWebhook, WEBHOOK_EVENT_VERSION } from '../lib/webhooks/post.js';
import type { RepairParkedEvent } from '../contracts/webhookEvents.js';

const CLOSED_BAD = ['Failed', 'TimedOut', 'Terminated'];

/** The failed run's own input (its first event) and why it ended: the failure type and the step it names. */
async function inspect(deps: ActivityDeps, w: WorkflowExecutionInfo): Promise<{ input: LifecycleInput; type: string | null; step: string | null; message: string }> {
  const handle = deps.temporal.workflow.getHandle(w.workflowId, w.runId);
  const history = await handle.fetchHistory();
  const { payloadConverter, payloadCodecs } = deps.temporal.options.loadedDataConverter;
  let payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  // A history holds payloads as the codec left them (encrypted when MLCYCLE_CODEC_KEYS is set): decode as the client does.
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  const payload = payloads[0];
  if (!payload) throw new Error(`${w.workflowId} (${w.runId}) has no start input in its history`);
  const input = payloadConverter.fromPayload<LifecycleInput>(payload);
  if (w.status.name !== 'FAILED') return { input, type: w.status.name === 'TIMED_OUT' ? 'TimedOut' : 'Terminated', step: null, message: w.status.name.toLowerCase() };
  const err = await handle.result().then(() => null, (e: unknown) => e);
  const cause = err instanceof WorkflowFailedError ? err.cause : err;
  const details = (cause as { details?: unknown[] } | undefined)?.details?.[0] as { step?: string; message?: string } | undefined;
  // The step is recorded beside the message, so the message is the step's own words (older runs: their prefix dropped).
  const said = details?.message ?? (cause ? rootMessage(cause).replace(/^step "[^"]*" \([^)]*\) failed: /, '') : 'failed');
  return { input, type: failureTypeOf(cause), step: details?.step ?? null, message: said };
}

async function alert(url: string | undefined, body: Omit<RepairParkedEvent, 'version' | 'kind' | 'event'>): Promise<string> {
  if (!url) return 'parked (no alert webhook set)';
  const event: RepairParkedEvent = { version: WEBHOOK_EVENT_VERSION, kind: 'repair', event: 'parked', ...body };
  return `parked; alert ${(await postWebhook(url, event)).said}`;
}

export function createRepairActivities(deps: ActivityDeps) {
  /** Decides for one failed run (and acts on it unless dry-run). */
  async function decide(w: WorkflowExecutionInfo, dryRun: boolean, now: number): Promise<RepairDecision | null> {
    // Only the latest run of a workflow id is repaired: an older one was already rerun or repaired.
    if ((await deps.temporal.workflow.getHandle(w.workflowId).describe()).runId !== w.runId) return null;
    const { input, type, step, message } = await inspect(deps, w);
    const pipeline = input.pipeline.name;
    const base = { workflowId: w.workflowId, runId: w.runId, pipeline, status: w.status.name, failureType: type, step, newRunId: null };
    const known = await decisionFor(deps.db, w.runId);
    // Claimed, yet the failed run is still the latest: the round that claimed it was lost before it started the repair.
    if (known?.decision === 'restarted' && !dryRun) return startRepair(w, input, base, known.attempt, known.reason, known.fromStep ?? null);
    if (known) return { ...base, action: 'decided', attempt: known.attempt, reason: `${known.decision} before: ${known.reason}`, newRunId: known.newRunId ?? null };
    const policy = (await definitionOf(deps, input.pipeline)).repair;
    const restarts = await restartsOf(deps.db, w.workflowId);
    const record = { workflowId: w.workflowId, failedRunId: w.runId, pipeline, fromStep: step, failureType: type };
    // A run that timed out is infrastructure; one a person terminated is left as they wanted.
    const canRepair = type === 'TimedOut' ? true : type === 'Terminated' ? false : repairable(type);
    if (!canRepair) {
      const why = type === 'Terminated' ? 'terminated by a person or a tool' : message.split('\n')[0];
      const reason = `not repairable (${type ?? 'undeclared failure'}): ${why}`;
      if (!dryRun) await claimDecision(deps.db, { ...record, decision: 'not_repairable', attempt: restarts, reason });
      return { ...base, action: 'not_repairable', attempt: restarts, reason };
    }
    if (restarts >= policy.maxAttempts) {
      const reason = `still failing after ${restarts} repair(s) (${type}): ${message.split('\n')[0]}`;
      if (!dryRun && (await claimDecision(deps.db, { ...record, decision: 'parked', attempt: restarts, reason }))) {
        await setOutcome(deps.db, w.runId, await alert(policy.alertWebhook, { pipeline, workflowId: w.workflowId, runId: w.runId, attempts: restarts, failureType: type, step, reason }));
      }
      return { ...base, action: 'park', attempt: restarts, reason };
    }
    // Backoff across rounds: backoffSeconds after the failure, doubling with each repair already made.
    const due = (w.closeTime?.getTime() ?? now) + policy.backoffSeconds * 1000 * 2 ** restarts;
    if (due > now) return { ...base, action: 'wait', attempt: restarts + 1, reason: `repair ${restarts + 1} due at ${new Date(due).toISOString()}` };
    const attempt = restarts + 1;
    // The decision records the step (fromStep); the reason does not repeat it.
    const reason = `repair ${attempt}/${policy.maxAttempts} after ${type}: ${step ? 'restart from the failed step' : 'restart (completed steps are reused)'}`;
    if (dryRun) return { ...base, action: 'restart', attempt, reason };
    if (!(await claimDecision(deps.db, { ...record, decision: 'restarted', attempt, reason }))) return { ...base, action: 'decided', attempt, reason: 'another round took it' };
    return startRepair(w, input, base, attempt, reason, step);
  }

  /** Starts the claimed repair: a new run of the failed run's id (only while that run is the latest and closed). */
  async function startRepair(w: WorkflowExecutionInfo, input: LifecycleInput, base: Omit<RepairDecision, 'action' | 'attempt' | 'reason'>, attempt: number, reason: string, step: string | null): Promise<RepairDecision> {
    const pipeline = input.pipeline.name;
    try {
      const handle = await deps.temporal.workflow.start(LIFECYCLE_WORKFLOW, {
        taskQueue: TASK_QUEUE,
        workflowId: w.workflowId,
        // The same input, so the same definition version and data; reuse on, so completed steps are not run again.
        args: [{ ...input, noCache: false, repair: { of: w.runId, attempt, fromStep: step } } satisfies LifecycleInput],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        typedSearchAttributes: [
          { key: REPAIR_OF_ATTRIBUTE, value: w.runId },
          { key: PIPELINE_ATTRIBUTE, value: pipeline },
        ],
        staticSummary: `repair ${attempt} of ${pipeline}: restart from step ${step ?? '?'}`,
        staticDetails: `repairs run ${w.runId}, which ended ${w.status.name} (${base.failureType}); completed steps are reused from their recorded results`,
      });
      await setRepairRun(deps.db, w.runId, handle.firstExecutionRunId);
      return { ...base, action: 'restart', attempt, reason, newRunId: handle.firstExecutionRunId };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // Another round started this repair (it resumed a claim it took for lost): that run is the repair, followed as such.
      const latest = await deps.temporal.workflow.getHandle(w.workflowId).describe();
      if (latest.typedSearchAttributes.get(REPAIR_OF_ATTRIBUTE) === w.runId) return { ...base, action: 'decided', attempt, reason: 'another round started it', newRunId: latest.runId };
      await setOutcome(deps.db, w.runId, 'a run of this id was started by someone else');
      return { ...base, action: 'decided', attempt, reason: 'a run of this id was started by someone else' };
    }
  }

  return {
    async repairRound(input: RepairInput): Promise<RepairResult> {
      return keepHeartbeating(() => round(input));
    },
  };

  /** One round: follows the open restarts to their outcome, then decides for each failed run. */
  async function round(input: RepairInput): Promise<RepairResult> {
    const outcomes: RepairResult['outcomes'] = [];
    for (const r of await openRestarts(deps.db, input.pipeline)) {
      // No run id recorded: the round was lost after starting it (a newer run exists), or before (decide starts it).
      const d = await deps.temporal.workflow.getHandle(r.workflowId, r.newRunId ?? undefined).describe();
      if (!r.newRunId) {
        if (d.runId === r.failedRunId) continue;
        if (!input.dryRun) await setRepairRun(deps.db, r.failedRunId, d.runId);
      }
      if (d.status.name === 'RUNNING') continue;
      const outcome = d.status.name === 'COMPLETED' ? 'healed' : `ended ${d.status.name.toLowerCase()}`;
      if (!input.dryRun) await setOutcome(deps.db, r.failedRunId, outcome);
      outcomes.push({ workflowId: r.workflowId, failedRunId: r.failedRunId, newRunId: r.newRunId ?? d.runId, outcome });
    }
    const statuses = CLOSED_BAD.map((s) => `ExecutionStatus="${s}"`).join(' OR ');
    const query = `WorkflowType="${LIFECYCLE_WORKFLOW}" AND (${statuses})${input.pipeline ? ` AND MlcyclePipeline="${input.pipeline}"` : ''}`;
    const decisions: RepairDecision[] = [];
    const now = Date.now();
    for await (const w of deps.temporal.workflow.list({ query })) {
      const decision = await decide(w, input.dryRun, now);
      if (decision) decisions.push(decision);
    }
    return { decisions, outcomes };
  }
}
