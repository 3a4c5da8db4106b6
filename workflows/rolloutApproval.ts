// A rollout's approval before promotion (`rollout.approval`): opened when the test would promote, decided while the rollout runs.
import type { ApprovalPolicy, ApprovalRequest } from '../contracts/approval.js';
import type { Assessment, RolloutInput, RolloutState } from '../contracts/rollout.js';
import { ApprovalDesk, approvedOutcome } from './approval.js';
import { stepActivities } from './policies.js';

const acts = stepActivities({ retry: { maximumAttempts: 10, initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 20 }, timeoutSeconds: 60, heartbeatSeconds: 60, taskQueue: null }, 'approval: what is approved');

const num = (x: number | null): string => (x === null || !Number.isFinite(x) ? '-' : Number(x.toPrecision(3)).toString());

/** The gate of one rollout: the stage is held while it waits; guardrails still roll back (and withdraw the request). */
export class PromotionApproval {
  private readonly desk: ApprovalDesk;
  private waiting: Promise<void> | null = null;
  private outcome: ApprovalRequest | null = null;
  private failed: unknown = null;

  constructor(workflowId: string, private readonly policy: ApprovalPolicy, private readonly input: RolloutInput, private readonly state: RolloutState) {
    this.desk = new ApprovalDesk(workflowId);
  }

  /** A request is open and undecided. */
  get awaiting(): boolean {
    return this.waiting !== null && this.outcome === null && this.failed === null;
  }

  /** Settled (decided, timed out or withdrawn) or failed: the rollout acts on it. */
  get settled(): boolean {
    return this.outcome !== null || this.failed !== null;
  }

  /** Why a person's promote command is refused: with an approval gate, promotion goes through it. */
  refusePromote(): string {
    return `promotion of ${this.input.model}@${this.input.challenger.version} needs an approval by a holder of the role "${this.policy.role}" (rollout.approval): it is requested when the test would promote; approve with npx mlcycle approve ${this.input.model}`;
  }

  /** Opens the request (once) with what the approver sees: the card, the evaluation, and this rollout's evidence. */
  async open(a: Assessment): Promise<void> {
    if (this.waiting) return;
    const evidence = await acts.approvalEvidence({ model: this.input.model, version: this.input.challenger.version });
    const t = a.test;
    evidence.assessment = `${a.reason}; ${a.decidedOn ?? this.state.metric} estimate ${num(t.estimate)}, confidence sequence [${num(t.lower)}, ${num(t.upper)}], samples ${t.samples.champion}/${t.samples.challenger} (champion/challenger)`;
    const pending = this.desk.open({ id: 'promotion', subject: `${this.input.model}@${this.input.challenger.version}`, policy: this.policy, evidence });
    this.state.approval = pending.request;
    this.waiting = this.desk.wait(pending, this.policy).then(
      (r) => void (this.outcome = r),
      (err: unknown) => void (this.failed = err),
    );
  }

  /** How the rollout ends on the settled request: promoted when approved, else rolled back; with who and why. */
  verdict(): { outcome: 'promoted' | 'rolled back'; by: string; reason: string } {
    if (this.failed !== null) throw this.failed;
    const r = this.outcome as ApprovalRequest;
    if (approvedOutcome(r)) return { outcome: 'promoted', by: r.decidedBy ?? 'mlcycle', reason: r.status === 'approved' ? `approved by ${r.decidedBy} (role ${r.role}): ${r.reason}` : `approval ${r.reason}` };
    return { outcome: 'rolled back', by: r.decidedBy ?? 'mlcycle', reason: r.status === 'rejected' ? `rejected by ${r.decidedBy} (role ${r.role}): ${r.reason}` : `approval ${r.status}: ${r.reason}` };
  }

  withdraw(reason: string): void {
    this.desk.withdraw(reason);
  }

  /** Before the run ends: the request's last audit is written. */
  async finished(): Promise<void> {
    await this.waiting;
  }
}
