// The webhook events as zod schemas, checked against contracts/webhookEvents.ts (what the activities send) at compile time.
import { z } from 'zod';
import type { ApprovalEvent, IncidentClosedEvent, IncidentOpenedEvent, RepairParkedEvent, RolloutDecidedEvent, RolloutStageEvent, RolloutStartedEvent, RolloutSteeredEvent } from '../../contracts/webhookEvents.js';
import { approvalEvidence } from './approval.js';
import { sameType, type ContractSchema } from './same.js';

const envelope = { version: z.literal(1).describe('the envelope\'s version: check it before reading the rest') };

export const repairParkedEvent = z.object({
  ...envelope,
  kind: z.literal('repair'),
  event: z.literal('parked'),
  pipeline: z.string(),
  workflowId: z.string(),
  runId: z.string().describe('the failed run'),
  attempts: z.number().describe('repairs made before giving up'),
  failureType: z.string().nullable(),
  step: z.string().nullable().describe('the failed step, when known'),
  reason: z.string(),
});
sameType<z.infer<typeof repairParkedEvent>, RepairParkedEvent>(true);

export const approvalEvent = z.object({
  ...envelope,
  kind: z.literal('approval'),
  event: z.enum(['requested', 'reminder']),
  workflowId: z.string(),
  id: z.string(),
  subject: z.string().describe('model@version'),
  role: z.string().describe('the role an approver\'s token must hold'),
  deadline: z.string(),
  onTimeout: z.enum(['reject', 'approve']),
  evidence: approvalEvidence,
  decide: z.string().describe('the command that decides it'),
});
sameType<z.infer<typeof approvalEvent>, ApprovalEvent>(true);

const eventId = z.string().describe('the same in every delivery of this event: dedupe on it');

export const rolloutDecidedEvent = z.object({
  ...envelope,
  kind: z.literal('rollout'),
  event: z.literal('decided'),
  id: eventId,
  model: z.string(),
  workflowId: z.string(),
  runId: z.string(),
  outcome: z.enum(['promoted', 'rolled_back']),
  championVersion: z.number().describe('the champion when the rollout began'),
  challengerVersion: z.number(),
  decidedBy: z.string().nullable().describe('test, guardrail, deadline, or a person'),
  reason: z.string().nullable().describe('the reason the rollout recorded'),
  time: z.string().describe('when it was decided (ISO 8601)'),
});
sameType<z.infer<typeof rolloutDecidedEvent>, RolloutDecidedEvent>(true);

export const rolloutStageEvent = z.object({
  ...envelope,
  kind: z.literal('rollout'),
  event: z.literal('stage'),
  id: eventId,
  model: z.string(),
  runId: z.string(),
  challengerVersion: z.number(),
  stage: z.string(),
  mode: z.enum(['shadow', 'split']),
  traffic: z.number().describe('the challenger\'s share of requests'),
  actor: z.string(),
  reason: z.string(),
  time: z.string(),
});
sameType<z.infer<typeof rolloutStageEvent>, RolloutStageEvent>(true);

export const rolloutStartedEvent = z.object({
  ...envelope,
  kind: z.literal('rollout'),
  event: z.literal('started'),
  id: eventId,
  model: z.string(),
  workflowId: z.string(),
  runId: z.string(),
  championVersion: z.number(),
  challengerVersion: z.number(),
  stage: z.string().describe('the policy\'s first stage'),
  mode: z.enum(['shadow', 'split']),
  traffic: z.number(),
  startedBy: z.string().describe('a lifecycle run id, or a person'),
  reason: z.string(),
  time: z.string().describe('when the rollout began (ISO 8601)'),
});
sameType<z.infer<typeof rolloutStartedEvent>, RolloutStartedEvent>(true);

export const rolloutSteeredEvent = z.object({
  ...envelope,
  kind: z.literal('rollout'),
  event: z.literal('steered'),
  id: eventId,
  model: z.string(),
  runId: z.string(),
  challengerVersion: z.number(),
  action: z.enum(['pause', 'resume']),
  actor: z.string(),
  reason: z.string(),
  time: z.string(),
});
sameType<z.infer<typeof rolloutSteeredEvent>, RolloutSteeredEvent>(true);

export const incidentOpenedEvent = z.object({
  ...envelope,
  kind: z.literal('incident'),
  event: z.literal('opened'),
  id: eventId,
  model: z.string(),
  incidentId: z.number(),
  championVersion: z.number(),
  monitorRunId: z.string().describe('the monitor run whose window breached'),
  reasons: z.array(z.string()),
  decision: z.enum(['retrain', 'skip', 'none']),
  reason: z.string().describe('retrain: breach; skip: why not (cooldown, too_few_new_labels, …)'),
  detail: z.string(),
  retrainWorkflowId: z.string().nullable().describe('the retraining run it starts, if any'),
  time: z.string().describe('when the incident opened (ISO 8601)'),
});
sameType<z.infer<typeof incidentOpenedEvent>, IncidentOpenedEvent>(true);

export const incidentClosedEvent = z.object({
  ...envelope,
  kind: z.literal('incident'),
  event: z.literal('closed'),
  id: eventId,
  model: z.string(),
  incidentId: z.number(),
  championVersion: z.number().describe('the champion the incident was opened on'),
  monitorRunId: z.string().describe('the monitor run whose window closed it'),
  reason: z.enum(['within_policy', 'champion_changed']),
  detail: z.string(),
  time: z.string().describe('when the incident closed (ISO 8601)'),
});
sameType<z.infer<typeof incidentClosedEvent>, IncidentClosedEvent>(true);

const signed = 'Signed with MLCYCLE_WEBHOOK_SECRET: headers mlcycle-timestamp and mlcycle-signature (README "Signed webhooks").';
export const WEBHOOK_EVENT_SCHEMAS: readonly ContractSchema[] = [
  { file: 'webhook-repair-parked', title: 'RepairParkedEvent', description: `POSTed to repair.alertWebhook when a failed run is parked. ${signed}`, schema: repairParkedEvent, io: 'output' },
  { file: 'webhook-rollout-decided', title: 'RolloutDecidedEvent', description: `POSTed to the definition's events.webhook when a rollout promotes or rolls back. ${signed}`, schema: rolloutDecidedEvent, io: 'output' },
  { file: 'webhook-rollout-started', title: 'RolloutStartedEvent', description: `POSTed to the definition's events.webhook when a rollout begins. ${signed}`, schema: rolloutStartedEvent, io: 'output' },
  { file: 'webhook-rollout-steered', title: 'RolloutSteeredEvent', description: `POSTed to the definition's events.webhook when a person pauses or resumes a rollout. ${signed}`, schema: rolloutSteeredEvent, io: 'output' },
  { file: 'webhook-rollout-stage', title: 'RolloutStageEvent', description: `POSTed to the definition's events.webhook when a rollout moves to another stage. ${signed}`, schema: rolloutStageEvent, io: 'output' },
  { file: 'webhook-incident-opened', title: 'IncidentOpenedEvent', description: `POSTed to the definition's events.webhook when the monitor opens an incident. ${signed}`, schema: incidentOpenedEvent, io: 'output' },
  { file: 'webhook-incident-closed', title: 'IncidentClosedEvent', description: `POSTed to the definition's events.webhook when an incident closes (back within policy, or the champion replaced). ${signed}`, schema: incidentClosedEvent, io: 'output' },
  { file: 'webhook-approval', title: 'ApprovalEvent', description: `POSTed to an approval gate's webhook when a request opens and at each reminder. ${signed}`, schema: approvalEvent, io: 'output' },
];
