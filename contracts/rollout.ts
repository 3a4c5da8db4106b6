// A rollout's contract: its input, live state, result, and the Updates and Query people steer and watch it with.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RolloutMetric, RolloutPolicy } from '../lib/config/rollout.js';
import type { Assessment } from '../lib/rollout/assess.js';
import type { ApprovalRequest } from './approval.js';
import type { PipelineRef } from './steps.js';

export type { Assessment, RolloutMetric, RolloutPolicy };

export interface RolloutInput {
  model: string;
  challenger: { version: number; sha256: string };
  task: 'classification' | 'regression';
  policy: RolloutPolicy;
  /** Regression: answers further apart than this disagree (the champion's holdout RMSE); 0 for classification. */
  disagreementTolerance: number;
  /** The stored definition version the policy came from (null only for rollouts started with a policy by hand, as tests do). */
  pipeline: PipelineRef | null;
  /** Who started it (a lifecycle run id, or a person) and why. */
  startedBy: string;
  reason: string;
  /** History length past which the workflow continues as new (default 5,000); lower only to exercise it. */
  continueAsNewAfterEvents?: number;
}

export type RolloutStatus = 'running' | 'paused' | 'promoted' | 'rolled back';

/** One audited event: a stage change, a person's command, the decision. */
export interface RolloutEvent {
  at: string;
  actor: string;
  action: string;
  reason: string;
}

export interface RolloutState {
  model: string;
  championVersion: number | null;
  challengerVersion: number;
  status: RolloutStatus;
  stage: string;
  stageIndex: number;
  stages: string[];
  mode: 'shadow' | 'split';
  traffic: number;
  startedAt: string;
  stageStartedAt: string;
  metric: RolloutMetric;
  /** The stored definition version its policy came from (`name@version`); null when started with a policy by hand. Absent in states carried from older runs. */
  definition?: string | null;
  /** The latest check: the test (samples per variant, statistic, bound, confidence sequence) and guardrails. */
  assessment: Assessment | null;
  events: RolloutEvent[];
  decision: { outcome: 'promoted' | 'rolled back'; by: string; reason: string } | null;
  /** With `rollout.approval`: the request opened when the test would promote (who may decide, until when, what they see). */
  approval?: ApprovalRequest | null;
}

export type RolloutResult = RolloutState;

/** What a person sends with every command: who, and why (both required, audited). */
export interface SteerInput {
  actor: string;
  reason: string;
  /** The version the person means; refused when another version is in rollout. */
  version?: number;
}

export interface SetTrafficInput extends SteerInput {
  /** The current stage's share, in (0, 1]. */
  traffic: number;
}

/**
 * A version was queued for the model's rollout (by a lifecycle run, the CLI or the HTTP API): the running rollout checks
 * the queue when it ends and continues as new into the next one; `supersede` rolls the running one back first.
 */
export interface QueuedSignal {
  version: number;
  supersede: boolean;
  by: string;
}

export const rolloutStateQuery = defineQuery<RolloutState>('rolloutState');
export const rolloutQueuedSignal = defineSignal<[QueuedSignal]>('rolloutQueued');
export const promoteUpdate = defineUpdate<RolloutState, [SteerInput]>('promote');
export const rollbackUpdate = defineUpdate<RolloutState, [SteerInput]>('rollback');
export const pauseUpdate = defineUpdate<RolloutState, [SteerInput]>('pause');
export const resumeUpdate = defineUpdate<RolloutState, [SteerInput]>('resume');
export const setTrafficUpdate = defineUpdate<RolloutState, [SetTrafficInput]>('setTraffic');

/** Activities' inputs. */
export interface BeginRolloutInput {
  workflowId: string;
  runId: string;
  input: RolloutInput;
}

export interface StageInput {
  runId: string;
  model: string;
  challengerVersion: number;
  stage: string;
  mode: 'shadow' | 'split';
  traffic: number;
  actor: string;
  reason: string;
}

export interface AssessInput {
  input: RolloutInput;
  championVersion: number;
  stageIndex: number;
  elapsedSeconds: number;
  stageStartedAt: string;
  /** When the first split stage began (the unpaired test's data starts there); null while in shadow. */
  splitStartedAt: string | null;
  previous: { pValue: number; lower: number | null; upper: number | null } | null;
}

export interface FinishInput {
  runId: string;
  model: string;
  outcome: 'promoted' | 'rolled back';
  decidedBy: string;
  reason: string;
  assessment: Assessment | null;
}

/** A person's command the rollout refused: who, what, their reason and the refusal (audited as rollout_<command>_refused). */
export interface RefusalInput {
  model: string;
  version: number;
  actor: string;
  command: string;
  reason: string;
  refusal: string;
  runId: string;
}

export interface NextRolloutInput {
  model: string;
  /** The rollout run that ended (for the audit of what the queue started). */
  after: string;
}

export interface AuditInput {
  model: string;
  version: number;
  actor: string;
  action: string;
  reason: string;
  runId: string;
}
