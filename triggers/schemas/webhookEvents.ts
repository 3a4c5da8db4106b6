// The webhook events as zod schemas, checked against contracts/webhookEvents.ts (what the activities send) at compile time.
import { z } from 'zod';
import type { ApprovalEvent, RepairParkedEvent } from '../../contracts/webhookEvents.js';
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

const signed = 'Signed with MLCYCLE_WEBHOOK_SECRET: headers mlcycle-timestamp and mlcycle-signature (README "Signed webhooks").';
export const WEBHOOK_EVENT_SCHEMAS: readonly ContractSchema[] = [
  { file: 'webhook-repair-parked', title: 'RepairParkedEvent', description: `POSTed to repair.alertWebhook when a failed run is parked. ${signed}`, schema: repairParkedEvent, io: 'output' },
  { file: 'webhook-approval', title: 'ApprovalEvent', description: `POSTed to an approval gate's webhook when a request opens and at each reminder. ${signed}`, schema: approvalEvent, io: 'output' },
];
