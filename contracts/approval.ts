// An approval gate's contract: the request a person sees (what is approved, by which role, until when), the decision, the Update.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovalPolicy } from '../lib/config/approval.js';

export type { ApprovalPolicy };

/** What the approver sees: the model card, the evaluation against the champion, the validation report or the rollout's evidence. */
export interface ApprovalEvidence {
  model: string;
  version: number;
  /** The model card (an HTML page), when it is on this machine's reports folder. */
  modelCard: string | null;
  /** The candidate against the champion, in one line (the gate's verdict and the primary metric of both). */
  evaluation: string;
  metrics: Record<string, number>;
  champion: { version: number; metrics: Record<string, number> } | null;
  /** The validation report of the data the version was trained on (an HTML page), when recorded. */
  validationReport: string | null;
  /** A rollout's latest assessment in one line (the test and its interval); null for a pipeline step. */
  assessment: string | null;
}

export type ApprovalStatus = 'awaiting' | 'approved' | 'rejected' | 'timed out' | 'withdrawn';

export interface ApprovalRequest {
  /** The approval step's id in a lifecycle run, or "promotion" in a rollout. */
  id: string;
  workflowId: string;
  /** model@version */
  subject: string;
  role: string;
  requestedAt: string;
  deadline: string;
  onTimeout: 'reject' | 'approve';
  status: ApprovalStatus;
  decidedBy: string | null;
  reason: string | null;
  decidedAt: string | null;
  reminders: number;
  evidence: ApprovalEvidence;
}

/** A person's decision: who (audited), why (required), and optionally which request and the role they act in. */
export interface ApprovalDecision {
  approve: boolean;
  actor: string;
  reason: string;
  /** The request's id when a run awaits more than one. */
  id?: string;
  /** The role the sender acts in; refused when it is not the one the request names. */
  role?: string;
}

/** `temporal workflow update execute --name approval` and the Web UI's Update send this. */
export const approvalUpdate = defineUpdate<ApprovalRequest, [ApprovalDecision]>('approval');
export const approvalsQuery = defineQuery<ApprovalRequest[]>('approvals');

export interface EvidenceInput {
  model: string;
  version: number;
}

export interface ApprovalAuditInput {
  actor: string;
  /** approval_requested | approval_approved | approval_rejected | approval_timed_out | approval_withdrawn | approval_refused */
  action: string;
  subject: string;
  workflowId: string;
  id: string;
  role: string;
  reason: string;
  refusal?: string;
}

export interface ApprovalNotifyInput {
  url: string;
  event: 'requested' | 'reminder';
  request: ApprovalRequest;
}
