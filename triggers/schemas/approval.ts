// The approval gate's Update and Query (approval, approvals) as zod schemas, checked against contracts/approval.ts at compile time.
import { z } from 'zod';
import type { ApprovalDecision, ApprovalRequest } from '../../contracts/approval.js';
import { sameType, type ContractSchema } from './same.js';

const metrics = z.record(z.string(), z.number());

export const approvalEvidence = z.object({
  model: z.string(),
  version: z.number(),
  modelCard: z.string().nullable().describe('the model card\'s HTML page, when on this machine'),
  evaluation: z.string().describe('the candidate against the champion, in one line'),
  metrics,
  champion: z.object({ version: z.number(), metrics }).nullable(),
  validationReport: z.string().nullable(),
  assessment: z.string().nullable().describe('a rollout\'s latest assessment in one line; null for a pipeline step'),
});

export const approvalRequest = z.object({
  id: z.string().describe('the approval step\'s id in a lifecycle run, or "promotion" in a rollout'),
  workflowId: z.string(),
  subject: z.string().describe('model@version'),
  role: z.string(),
  requestedAt: z.string(),
  deadline: z.string(),
  onTimeout: z.enum(['reject', 'approve']),
  status: z.enum(['awaiting', 'approved', 'rejected', 'timed out', 'withdrawn']),
  decidedBy: z.string().nullable(),
  reason: z.string().nullable(),
  decidedAt: z.string().nullable(),
  reminders: z.number(),
  evidence: approvalEvidence,
});
sameType<z.infer<typeof approvalRequest>, ApprovalRequest>(true);

export const approvalDecision = z.object({
  approve: z.boolean(),
  actor: z.string().describe('who decides (audited)'),
  reason: z.string().describe('why (required, audited)'),
  id: z.string().optional().describe('the request\'s id when a run awaits more than one'),
  role: z.string().optional().describe('the role the sender acts in; refused when not the one the request names'),
});
sameType<z.infer<typeof approvalDecision>, ApprovalDecision>(true);

export const APPROVAL_SCHEMAS: readonly ContractSchema[] = [
  { file: 'approval-decision', title: 'ApprovalDecision', description: 'The argument of the Update "approval" (lifecycle and rollout workflows).', schema: approvalDecision, io: 'input' },
  {
    file: 'approval-request', title: 'ApprovalRequest',
    description: 'The result of the Update "approval"; the Query "approvals" answers an array of these.', schema: approvalRequest, io: 'output',
  },
];
