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
