// The events mlcycle POSTs to webhooks (lib/webhooks/post.ts signs them): one type per kind, each with the envelope's version.
import type { ApprovalEvidence } from './approval.js';

/** A repair round gave up on a failed run: it failed again after the definition's repair.maxAttempts. */
export type RepairParkedEvent = {
  version: 1;
  kind: 'repair';
  event: 'parked';
  pipeline: string;
  workflowId: string;
  runId: string;
  attempts: number;
  failureType: string | null;
  step: string | null;
  reason: string;
};

/** An approval gate opened a request (requested) or its reminder came due (reminder). */
export type ApprovalEvent = {
  version: 1;
  kind: 'approval';
  event: 'requested' | 'reminder';
  workflowId: string;
  id: string;
  subject: string;
  role: string;
  deadline: string;
  onTimeout: 'reject' | 'approve';
  evidence: ApprovalEvidence;
  /** The command that decides it. */
  decide: string;
};

/** A rollout ended: the challenger promoted to champion, or rolled back (the reason the rollout recorded). */
export type RolloutDecidedEvent = {
  version: 1;
  kind: 'rollout';
  event: 'decided';
  /** The same for every delivery of this event: receivers dedupe on it. */
  id: string;
  model: string;
  workflowId: string;
  runId: string;
  outcome: 'promoted' | 'rolled_back';
  championVersion: number;
  challengerVersion: number;
  /** 'test', 'guardrail', 'deadline', or a person. */
  decidedBy: string | null;
  reason: string | null;
  time: string;
};

/** A rollout moved its challenger to another stage (traffic share and mode). */
export type RolloutStageEvent = {
  version: 1;
  kind: 'rollout';
  event: 'stage';
  id: string;
  model: string;
  runId: string;
  challengerVersion: number;
  stage: string;
  mode: 'shadow' | 'split';
  traffic: number;
  actor: string;
  reason: string;
  time: string;
};

/** The monitor opened an incident: a judged window breached the policy; `decision` says whether it starts a retraining run. */
export type IncidentOpenedEvent = {
  version: 1;
  kind: 'incident';
  event: 'opened';
  id: string;
  model: string;
  incidentId: number;
  championVersion: number;
  monitorRunId: string;
  reasons: string[];
  decision: 'retrain' | 'skip' | 'none';
  /** Why (retrain: 'breach'; skip: e.g. 'cooldown', 'too_few_new_labels'). */
  reason: string;
  detail: string;
  retrainWorkflowId: string | null;
  time: string;
};

/** An open incident closed: a judged window was back within policy, or the champion it was opened on was replaced. */
export type IncidentClosedEvent = {
  version: 1;
  kind: 'incident';
  event: 'closed';
  id: string;
  model: string;
  incidentId: number;
  /** The champion the incident was opened on. */
  championVersion: number;
  /** The monitor run whose window closed it. */
  monitorRunId: string;
  reason: 'within_policy' | 'champion_changed';
  detail: string;
  time: string;
};

/** A rollout began: its challenger enters the first stage of the policy. */
export type RolloutStartedEvent = {
  version: 1;
  kind: 'rollout';
  event: 'started';
  id: string;
  model: string;
  workflowId: string;
  runId: string;
  championVersion: number;
  challengerVersion: number;
  stage: string;
  mode: 'shadow' | 'split';
  traffic: number;
  /** A lifecycle run id, or a person. */
  startedBy: string;
  reason: string;
  time: string;
};

/** A person paused or resumed a rollout (moves of traffic arrive as `stage`, promotions and rollbacks as `decided`). */
export type RolloutSteeredEvent = {
  version: 1;
  kind: 'rollout';
  event: 'steered';
  id: string;
  model: string;
  runId: string;
  challengerVersion: number;
  action: 'pause' | 'resume';
  actor: string;
  reason: string;
  time: string;
};
