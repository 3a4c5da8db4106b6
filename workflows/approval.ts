// Approval gates inside a workflow: a request waits for a person's decision (the `approval` Update), reminds, times out; all audited.
import { condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import {
  approvalsQuery, approvalUpdate, type ApprovalDecision, type ApprovalEvidence, type ApprovalPolicy, type ApprovalRequest,
} from '../contracts/approval.js';
import { failure, NON_RETRYABLE_TYPES } from '../contracts/failures.js';
import { APPROVAL_ATTRIBUTE } from '../contracts/names.js';
import type { Activities } from './policies.js';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '20 seconds', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  summary: 'approval',
});

export interface Pending {
  request: ApprovalRequest;
  decision: ApprovalDecision | null;
  withdrawn: string | null;
}

/** The Update's validator: refuses only what cannot be attributed or read (no history entry, so no audit row either). */
export function validateDecision(d: ApprovalDecision): void {
  if (!d || typeof d !== 'object') throw new Error('a decision needs {"approve": true|false, "actor": "…", "reason": "…"}');
  if (typeof d.actor !== 'string' || !d.actor.trim()) throw new Error('actor is required: who decides (it is audited)');
  if (typeof d.approve !== 'boolean') throw new Error('approve must be true (approve) or false (reject)');
}

/** Whether a settled request lets the run go on: approved, or timed out on a gate that approves on timeout. */
export function approvedOutcome(r: ApprovalRequest): boolean {
  return r.status === 'approved' || (r.status === 'timed out' && r.onTimeout === 'approve');
}

/** Why a decision cannot be taken (checked by the handler, which audits the refusal); null when it can. */
function refusalOf(d: ApprovalDecision, target: Pending | undefined, open: Pending[], workflowId: string): string | null {
  if (typeof d.reason !== 'string' || d.reason.trim().length < 3) return 'reason is required (at least 3 characters): why (it is audited)';
  if (d.id !== undefined && !target) return `${workflowId} has no approval request "${d.id}"`;
  if (!target && open.length === 0) return `${workflowId} awaits no approval`;
  if (!target) return `${open.length} approvals await in ${workflowId} (${open.map((p) => p.request.id).join(', ')}): name one with "id"`;
  const r = target.request;
  if (r.status !== 'awaiting') return `the approval of ${r.subject} (${r.id}) is ${r.status} already${r.decidedBy ? ` (by ${r.decidedBy})` : ''}`;
  if (target.decision || target.withdrawn) return `the approval of ${r.subject} (${r.id}) is being decided already`;
  if (d.role !== undefined && d.role !== r.role) return `the approval of ${r.subject} needs the role "${r.role}", not "${d.role}"`;
  return null;
}

/** A workflow's approval requests: the `approval` Update decides them, the `approvals` Query shows them. */
export class ApprovalDesk {
  private readonly pending: Pending[] = [];

  constructor(private readonly workflowId: string) {
    setHandler(approvalsQuery, () => this.pending.map((p) => p.request));
    setHandler(approvalUpdate, (d) => this.decide(d), { validator: validateDecision });
  }

  get awaiting(): boolean {
    return this.pending.some((p) => p.request.status === 'awaiting');
  }

  private async decide(d: ApprovalDecision): Promise<ApprovalRequest> {
    const open = this.pending.filter((p) => p.request.status === 'awaiting' && !p.decision && !p.withdrawn);
    const target = d.id !== undefined ? this.pending.find((p) => p.request.id === d.id) : open.length === 1 ? open[0] : undefined;
    const refusal = refusalOf(d, target, open, this.workflowId);
    if (refusal !== null || !target) {
      const about = (target ?? open[0] ?? this.pending.at(-1))?.request;
      const why = refusal ?? 'no request';
      await acts.auditApproval({
        actor: d.actor, action: 'approval_refused', subject: about?.subject ?? this.workflowId, workflowId: this.workflowId, id: about?.id ?? d.id ?? '',
        role: about?.role ?? '', reason: String(d.reason ?? ''), refusal: why,
      });
      throw failure('CommandRefused', why, { audited: true });
    }
    target.decision = d;
    await condition(() => target.request.status !== 'awaiting');
    return target.request;
  }

  /** Opens a request (it shows in the Query and the search attribute at once); `wait` settles it. */
  open(o: { id: string; subject: string; policy: ApprovalPolicy; evidence: ApprovalEvidence }): Pending {
    const now = Date.now();
    const request: ApprovalRequest = {
      id: o.id, workflowId: this.workflowId, subject: o.subject, role: o.policy.role, requestedAt: new Date(now).toISOString(),
      deadline: new Date(now + o.policy.timeoutSeconds * 1000).toISOString(), onTimeout: o.policy.onTimeout, status: 'awaiting',
      decidedBy: null, reason: null, decidedAt: null, reminders: 0, evidence: o.evidence,
    };
    const p: Pending = { request, decision: null, withdrawn: null };
    this.pending.push(p);
    this.show();
    return p;
  }

  /** Waits for a decision, a withdrawal or the deadline (reminding on the way); audits the request and its end. */
  async wait(p: Pending, policy: ApprovalPolicy): Promise<ApprovalRequest> {
    const r = p.request;
    const audit = (actor: string, action: string, reason: string) =>
      acts.auditApproval({ actor, action, subject: r.subject, workflowId: this.workflowId, id: r.id, role: r.role, reason });
    await audit('mlcycle', 'approval_requested', `awaiting a holder of role "${r.role}" until ${r.deadline} (then ${policy.onTimeout === 'reject' ? 'rejected' : 'approved'})`);
    if (policy.webhook) await acts.notifyApproval({ url: policy.webhook, event: 'requested', request: r });
    const deadline = Date.parse(r.deadline);
    const remind = policy.webhook && policy.remindEverySeconds ? policy.remindEverySeconds * 1000 : null;
    for (let left = deadline - Date.now(); left > 0 && !p.decision && !p.withdrawn; left = deadline - Date.now()) {
      const woke = await condition(() => p.decision !== null || p.withdrawn !== null, remind ? Math.min(remind, left) : left);
      if (!woke && remind && policy.webhook && Date.now() < deadline) {
        r.reminders += 1;
        await acts.notifyApproval({ url: policy.webhook, event: 'reminder', request: r });
      }
    }
    // Settled synchronously (a decision arriving from here on is refused as too late), then audited.
    const d = p.decision;
    r.decidedAt = new Date(Date.now()).toISOString();
    if (d) Object.assign(r, { status: d.approve ? 'approved' : 'rejected', decidedBy: d.actor, reason: d.reason.trim() });
    else if (p.withdrawn) Object.assign(r, { status: 'withdrawn', decidedBy: 'mlcycle', reason: p.withdrawn });
    else {
      const outcome = policy.onTimeout === 'reject' ? 'rejected' : 'approved';
      Object.assign(r, { status: 'timed out', decidedBy: 'mlcycle', reason: `nobody holding the role "${r.role}" decided within ${policy.timeoutSeconds} s: ${outcome} (onTimeout: ${policy.onTimeout})` });
    }
    this.show();
    const action = { approved: 'approval_approved', rejected: 'approval_rejected', 'timed out': 'approval_timed_out', withdrawn: 'approval_withdrawn', awaiting: 'approval_requested' }[r.status];
    await audit(r.decidedBy ?? 'mlcycle', action, r.reason ?? '');
    return r;
  }

  /** Withdraws every open request (the run ends another way, e.g. a rollout rolled back by a guardrail). */
  withdraw(reason: string): void {
    for (const p of this.pending) if (p.request.status === 'awaiting' && !p.decision) p.withdrawn = reason;
  }

  private show(): void {
    const value = this.awaiting ? 'awaiting' : (this.pending.at(-1)?.request.status ?? 'awaiting');
    upsertSearchAttributes([{ key: APPROVAL_ATTRIBUTE, value }]);
  }
}
