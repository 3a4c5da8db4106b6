// The typed client for rollouts: start one by model name from its stored definition, steer it with Updates, read its state.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { requestRollout } from '../activities/rolloutRequests.js';
import { failureTypeOf, rootMessage } from '../contracts/failures.js';
import { ROLLOUT_WORKFLOW, TASK_QUEUE, rolloutWorkflowId } from '../contracts/names.js';
import {
  pauseUpdate, promoteUpdate, resumeUpdate, rollbackUpdate, rolloutStateQuery, setTrafficUpdate,
  type RolloutInput, type RolloutState, type SetTrafficInput, type SteerInput,
} from '../contracts/rollout.js';
import { PipelineError } from '../lib/config/pipeline.js';
import type { Db } from '../lib/store/db.js';
import { definitionOfRun, getDefinition, latestDefinition, type StoredDefinition } from '../lib/store/definitions.js';
import { audit, getModelVersion } from '../lib/store/models.js';
import { RolloutConflict } from '../lib/store/rollouts.js';
import { resolvePipeline, registerDefinition } from './client.js';

/** A person's command refused by the rollout (or by mlcycle before it reached one): the reason, in one sentence. */
export class RolloutCommandError extends Error {
  override name = 'RolloutCommandError';
}

export interface RolloutConnection {
  client: Client;
  db: Db;
}

export interface StartByName {
  model: string;
  version: number;
  /** Who (cliActor / httpActor) and why; both audited. */
  actor: string;
  reason: string;
  /** A pipeline file (or an example's name) to register as a new definition version and take the policy from. */
  pipelineFile?: string;
  /** A stored definition version of the model's pipeline. */
  definitionVersion?: string;
  /** Queue behind a running rollout instead of being refused. */
  queue?: boolean;
  beginTimeoutMs?: number;
}

export interface StartedByName {
  workflowId: string;
  definition: string;
  /** Where the definition came from, in words (for the CLI's line). */
  definitionSource: string;
  outcome: 'started' | 'queued';
  /** Queued: the version whose rollout runs ahead of it, if one runs; and the place in the queue. */
  behind: number | null;
  position: number;
  stages: string[];
}

/**
 * The stored definition a rollout takes its policy from: the file given (registered as a new version, like a run
 * does), the stored version named, else the version that trained this model version, else the newest stored one.
 */
async function definitionFor(conn: RolloutConnection, o: StartByName): Promise<{ stored: StoredDefinition; source: string }> {
  if (o.pipelineFile && o.definitionVersion) throw new RolloutCommandError('give --pipeline or --definition, not both');
  if (o.pipelineFile) {
    const { pipeline, ref, checked } = await registerDefinition(conn.db, await resolvePipeline(o.pipelineFile));
    if (pipeline.name !== o.model) throw new RolloutCommandError(`${o.pipelineFile} defines pipeline "${pipeline.name}", not model ${o.model}`);
    return { stored: { ...ref, definition: pipeline, moduleHashes: checked.moduleHashes }, source: `registered from ${o.pipelineFile}` };
  }
  if (o.definitionVersion) {
    const found = await getDefinition(conn.db, o.model, o.definitionVersion);
    if (!found) throw new RolloutCommandError(`${o.model} has no stored definition version ${o.definitionVersion}`);
    return { stored: found, source: 'as named' };
  }
  const registered = await getModelVersion(conn.db, o.model, o.version);
  const own = registered ? await definitionOfRun(conn.db, registered.runId) : null;
  if (own?.name === o.model) return { stored: own, source: `the one that trained v${o.version}` };
  const latest = await latestDefinition(conn.db, o.model);
  if (latest) return { stored: latest, source: 'the newest stored' };
  throw new RolloutCommandError(
    `${o.model} has no stored definition to take a rollout policy from (alpha, minEffect, stages): run its pipeline once, or pass --pipeline <file.json> to register one`,
  );
}

/** Starts (or queues) a rollout of a registered, blessed version by model name; every attempt is audited, refusals with why. */
export async function startRolloutByName(conn: RolloutConnection, o: StartByName): Promise<StartedByName> {
  const refused = async (why: string): Promise<never> => {
    await audit(conn.db, o.actor, 'rollout_start_refused', `${o.model}@${o.version}`, { reason: o.reason, refusal: why, via: 'client' });
    throw new RolloutCommandError(why);
  };
  if (o.reason.trim().length < 3) return refused('reason is required (at least 3 characters): why (it is audited)');
  const registered = await getModelVersion(conn.db, o.model, o.version);
  if (!registered) return refused(`${o.model}@${o.version} is not registered`);
  let found;
  try {
    found = await definitionFor(conn, o);
  } catch (err) {
    if (!(err instanceof RolloutCommandError || err instanceof PipelineError)) throw err;
    return refused((err as Error).message);
  }
  const { stored, source } = found;
  const definition = { name: stored.name, version: stored.version };
  let r;
  try {
    r = await requestRollout({ db: conn.db, temporal: conn.client }, {
      modelName: o.model, version: o.version, sha256: registered.sha256, definition, requestedBy: o.actor, reason: o.reason,
    }, o.queue ? 'queue' : 'start');
  } catch (err) {
    if (err instanceof RolloutConflict) return refused(err.message);
    throw err;
  }
  const base = { workflowId: rolloutWorkflowId(o.model), definition: `${stored.name}@${stored.version}`, definitionSource: source, stages: r.input.policy.stages.map((s) => s.name) };
  if (!r.starting) return { ...base, outcome: 'queued', behind: r.running?.challengerVersion ?? null, position: r.position };
  await awaitBegun(conn.client, o.model, o.version, o.beginTimeoutMs ?? 30_000);
  return { ...base, outcome: 'started', behind: null, position: 0 };
}

/** Returns once the rollout of model@version serves the challenger in its first stage; says why when it does not begin. */
async function awaitBegun(client: Client, model: string, version: number, timeoutMs: number): Promise<void> {
  const handle = client.workflow.getHandle(rolloutWorkflowId(model));
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const state = await handle.query(rolloutStateQuery).catch(() => null);
    if (state?.challengerVersion === version && state.championVersion !== null) return;
    const described = await handle.describe();
    if (described.status.name !== 'RUNNING' && described.status.name !== 'CONTINUED_AS_NEW') {
      const failed = await handle.result().then(() => null, (err: unknown) => rootMessage(err));
      throw new RolloutCommandError(`the rollout of ${model}@${version} did not begin: ${failed ?? described.status.name}`);
    }
    if (Date.now() > deadline) {
      const pending = described.raw.pendingActivities?.[0];
      const why = pending?.lastFailure?.message ? `its first step keeps failing: ${pending.lastFailure.message}` : 'is a worker running?';
      throw new RolloutCommandError(`the rollout ${rolloutWorkflowId(model)} has not begun after ${timeoutMs / 1000} s: ${why}`);
    }
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Starts the rollout workflow with a policy given by hand (tests, tools); refused while another runs. */
export async function startRollout(client: Client, input: RolloutInput, beginTimeoutMs = 30_000): Promise<string> {
  const workflowId = rolloutWorkflowId(input.model);
  try {
    await client.workflow.start(ROLLOUT_WORKFLOW, {
      taskQueue: TASK_QUEUE, workflowId, args: [input], workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `rollout of ${input.model}@${input.challenger.version}, started by ${input.startedBy}`,
    });
  } catch (err) {
    if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') throw new RolloutCommandError(`a rollout of ${input.model} is running (${workflowId}): it must end first`);
    throw err;
  }
  await awaitBegun(client, input.model, input.challenger.version, beginTimeoutMs);
  return workflowId;
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

/**
 * Sends a command; a refusal comes back as RolloutCommandError with the rollout's reason. The rollout audits the
 * refusals it makes; those it cannot (no running rollout, no actor) are audited here, so every attempt leaves a row.
 */
export async function steerRollout(conn: RolloutConnection, model: string, kind: SteerKind, input: SteerInput | SetTrafficInput): Promise<RolloutState> {
  const handle = conn.client.workflow.getHandle(rolloutWorkflowId(model));
  const refused = async (why: string, auditedByRollout: boolean): Promise<never> => {
    if (!auditedByRollout) {
      const subject = input.version !== undefined ? `${model}@${input.version}` : model;
      await audit(conn.db, input.actor || '(no actor)', `rollout_${kind}_refused`, subject, { reason: input.reason, refusal: why, via: 'client' });
    }
    throw new RolloutCommandError(`refused: ${why}`);
  };
  try {
    if (kind === 'traffic') return await handle.executeUpdate(setTrafficUpdate, { args: [input as SetTrafficInput] });
    const update = { promote: promoteUpdate, rollback: rollbackUpdate, pause: pauseUpdate, resume: resumeUpdate }[kind];
    return await handle.executeUpdate(update, { args: [input] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const audited = failureTypeOf(err) === 'CommandRefused' && (err.cause instanceof ApplicationFailure ? (err.cause.details?.[0] as { audited?: boolean } | undefined)?.audited === true : false);
      return refused(rootMessage(err), audited);
    }
    const name = (err as Error).name;
    if (name === 'WorkflowNotFoundError') {
      return refused(`${model} has no running rollout (${rolloutWorkflowId(model)})`, false);
    }
    throw err;
  }
}
const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;
const num = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : Number(x).toPrecision(3));

/** The live state as a person reads it. */
/** The model metric as a guardrail (a success metric decides): breached only when significantly worse. */
function modelGuard(g: { value: number | null; judged: boolean; ok: boolean }): string {
  const v = g.value === null ? '–' : g.value.toPrecision(3);
  return `modelMetric ${v}${g.judged ? (g.ok ? ' not shown worse' : ' BREACH (significantly worse)') : ' (too few)'}`;
}

export function formatRolloutState(s: RolloutState): string {
  const lines = [
    `${s.model}@${s.challengerVersion} vs champion v${s.championVersion}: ${s.status}${s.decision ? ` (by ${s.decision.by})` : ''}`,
    `  stage     ${s.stage} (${s.stages.join(' → ')}), ${s.mode === 'shadow' ? 'mirroring' : 'answering'} ${pct(s.traffic)} of units since ${s.stageStartedAt}`,
    `  policy    from definition ${s.definition ?? '(none: started with a policy by hand)'}`,
  ];
  const a = s.assessment;
  if (a) {
    const t = a.test;
    // The units the samples came from (absent in checks made before the test counted units).
    const units = (t as { units?: typeof t.units }).units;
    const from = (k: 'champion' | 'challenger'): string => (units ? ` from ${units[k]} units` : '');
    lines.push(
      `  samples   champion ${t.samples.champion}${from('champion')}, challenger ${t.samples.challenger}${from('challenger')} (${t.kind}; ${a.stageSamples} in this stage)`,
      `  test      ${a.decidedOn ?? s.metric}: estimate ${num(t.estimate)}, confidence sequence [${num(t.lower)}, ${num(t.upper)}], Λ ${num(t.statistic)} / bound ${num(t.bound)}, p ${num(t.pValue)}`,
      `            ${t.reason}`,
      `  guards    ${a.guardrails.map((g) => (g.name === 'modelMetric' ? modelGuard(g) : `${g.name} ${num(g.value)}${g.champion !== null ? ` (champion ${num(g.champion)})` : ''} ≤ ${g.limit}${g.judged ? (g.ok ? ' ok' : ' BREACH') : ' (too few)'}`)).join(', ')}`,
    );
  }
  const ap = s.approval;
  if (ap) {
    lines.push(ap.status === 'awaiting'
      ? `  approval  awaiting a holder of the role "${ap.role}" until ${ap.deadline} (then ${ap.onTimeout === 'reject' ? 'rolled back' : 'promoted'}): npx mlcycle approve ${s.model} --reason "…"`
      : `  approval  ${ap.status}${ap.decidedBy ? ` by ${ap.decidedBy}` : ''}${ap.reason ? `: ${ap.reason}` : ''}`);
  }
  if (s.decision) lines.push(`  decision  ${s.decision.outcome}: ${s.decision.reason}`);
  for (const e of s.events.slice(-8)) lines.push(`  ${e.at}  ${e.actor}: ${e.action} — ${e.reason}`);
  return lines.join('\n');
}
