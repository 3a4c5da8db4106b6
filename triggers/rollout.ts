// The typed client for rollouts: start one by hand, steer it with validated Updates, read its live state.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { rootMessage } from '../contracts/failures.js';
import { ROLLOUT_WORKFLOW, TASK_QUEUE, rolloutWorkflowId } from '../contracts/names.js';
import {
  pauseUpdate, promoteUpdate, resumeUpdate, rollbackUpdate, rolloutStateQuery, setTrafficUpdate,
  type RolloutInput, type RolloutState, type SetTrafficInput, type SteerInput,
} from '../contracts/rollout.js';
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import type { Queryable } from '../lib/store/db.js';
import { rolloutTarget } from '../lib/store/rollouts.js';

/** A person's command refused by the rollout (validator) or one that failed: the rollout's own words. */
export class RolloutCommandError extends Error {
  override name = 'RolloutCommandError';
}

/** The input for rolling out a registered, blessed version under the definition's rollout policy (fail closed otherwise). */
export async function rolloutInputFor(db: Queryable, pipeline: PipelineDefinition, version: number, startedBy: string, reason: string): Promise<RolloutInput> {
  const name = pipeline.name;
  if (!pipeline.rollout) throw new RolloutCommandError(`pipeline ${name} has no "rollout" section: no thresholds, no rollout`);
  const found = await rolloutTarget(db, name, version);
  if ('problem' in found) throw new RolloutCommandError(found.problem);
  return {
    model: name, challenger: { version, sha256: found.target.sha256 }, task: found.task, policy: pipeline.rollout,
    disagreementTolerance: found.disagreementTolerance, pipeline: null, startedBy, reason,
  };
}

/** Starts the rollout workflow and returns once it serves the challenger in its first stage; refused while another runs. */
export async function startRollout(client: Client, input: RolloutInput, beginTimeoutMs = 30_000): Promise<string> {
  const workflowId = rolloutWorkflowId(input.model);
  let handle;
  try {
    handle = await client.workflow.start(ROLLOUT_WORKFLOW, {
      taskQueue: TASK_QUEUE, workflowId, args: [input], workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `rollout of ${input.model}@${input.challenger.version}, started by ${input.startedBy}`,
    });
  } catch (err) {
    if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') throw new RolloutCommandError(`a rollout of ${input.model} is running (${workflowId}): it must end first`);
    throw err;
  }
  // Begun: the rollout row exists and the deployment serves the challenger (hand-moved aliases are refused from here on).
  for (const deadline = Date.now() + beginTimeoutMs; ; ) {
    const state = await handle.query(rolloutStateQuery).catch(() => null);
    if (state?.championVersion !== null && state?.championVersion !== undefined) return workflowId;
    const described = await handle.describe();
    if (described.status.name !== 'RUNNING') {
      const failed = await handle.result().then(() => null, (err: unknown) => rootMessage(err));
      throw new RolloutCommandError(`the rollout of ${input.model}@${input.challenger.version} did not begin: ${failed ?? described.status.name}`);
    }
    if (Date.now() > deadline) {
      const pending = described.raw.pendingActivities?.[0];
      const why = pending?.lastFailure?.message ? `its first step keeps failing: ${pending.lastFailure.message}` : 'is a worker running?';
      throw new RolloutCommandError(`the rollout ${workflowId} has not begun after ${beginTimeoutMs / 1000} s: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function rolloutState(client: Client, model: string): Promise<RolloutState> {
  try {
    return await client.workflow.getHandle(rolloutWorkflowId(model)).query(rolloutStateQuery);
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') throw new RolloutCommandError(`${model} has never had a rollout (${rolloutWorkflowId(model)})`);
    throw err;
  }
}

export type SteerKind = 'promote' | 'rollback' | 'pause' | 'resume' | 'traffic';

/** Sends a command; a refusal comes back as RolloutCommandError with the rollout's reason. */
export async function steerRollout(client: Client, model: string, kind: SteerKind, input: SteerInput | SetTrafficInput): Promise<RolloutState> {
  const handle = client.workflow.getHandle(rolloutWorkflowId(model));
  try {
    if (kind === 'traffic') return await handle.executeUpdate(setTrafficUpdate, { args: [input as SetTrafficInput] });
    const update = { promote: promoteUpdate, rollback: rollbackUpdate, pause: pauseUpdate, resume: resumeUpdate }[kind];
    return await handle.executeUpdate(update, { args: [input] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new RolloutCommandError(`refused: ${rootMessage(err)}`);
    const name = (err as Error).name;
    if (name === 'WorkflowNotFoundError') throw new RolloutCommandError(`${model} has no running rollout (${rolloutWorkflowId(model)})`);
    throw err;
  }
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;
const num = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : Number(x).toPrecision(3));

/** The live state as a person reads it. */
export function formatRolloutState(s: RolloutState): string {
  const lines = [
    `${s.model}@${s.challengerVersion} vs champion v${s.championVersion}: ${s.status}${s.decision ? ` (by ${s.decision.by})` : ''}`,
    `  stage     ${s.stage} (${s.stages.join(' → ')}), ${s.mode === 'shadow' ? 'mirroring' : 'answering'} ${pct(s.traffic)} of units since ${s.stageStartedAt}`,
  ];
  const a = s.assessment;
  if (a) {
    const t = a.test;
    lines.push(
      `  samples   champion ${t.samples.champion}, challenger ${t.samples.challenger} (${t.kind}; ${a.stageSamples} in this stage)`,
      `  test      ${s.metric}: estimate ${num(t.estimate)}, confidence sequence [${num(t.lower)}, ${num(t.upper)}], Λ ${num(t.statistic)} / bound ${num(t.bound)}, p ${num(t.pValue)}`,
      `            ${t.reason}`,
      `  guards    ${a.guardrails.map((g) => `${g.name} ${num(g.value)}${g.champion !== null ? ` (champion ${num(g.champion)})` : ''} ≤ ${g.limit}${g.judged ? (g.ok ? ' ok' : ' BREACH') : ' (too few)'}`).join(', ')}`,
    );
  }
  if (s.decision) lines.push(`  decision  ${s.decision.outcome}: ${s.decision.reason}`);
  for (const e of s.events.slice(-8)) lines.push(`  ${e.at}  ${e.actor}: ${e.action} — ${e.reason}`);
  return lines.join('\n');
}
