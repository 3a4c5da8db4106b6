// The built-in `approval` step: shows a person the model (card, evaluation against the champion, validation report) and waits.
import type { ApprovalPolicy } from '../contracts/approval.js';
import { failure } from '../contracts/failures.js';
import type { StepOutputs } from '../contracts/steps.js';
import { approvedOutcome, type ApprovalDesk } from './approval.js';
import type { StepRun } from './builtins.js';
import { stepActivities } from './policies.js';

/** Hands the model on once approved; a rejection (or a timeout that rejects) fails the run as Rejected, never repaired. */
export async function approvalStep(r: StepRun, desk: ApprovalDesk): Promise<StepOutputs> {
  const model = r.inputs.model;
  if (!model) throw failure('BadDefinition', `step "${r.step.id}" got no "model" input`);
  const subject = `${model.name}@${model.version}`;
  // Fail closed stays with the rollout step: an unblessed model is never served, so there is nothing to approve.
  if (!model.blessed) return { model, summary: `${subject} not blessed (${model.gateReason}): nothing to approve` };
  const policy = r.step.config as ApprovalPolicy;
  const evidence = await stepActivities(r.step, `${r.step.id}: what is approved`).approvalEvidence({ model: model.name, version: model.version });
  const pending = desk.open({ id: r.step.id, subject, policy, evidence });
  r.report(`awaiting approval of ${subject} by a holder of the role "${policy.role}" until ${pending.request.deadline}: npx mlcycle approve ${r.runId} --reason "…" [--reject]`);
  const settled = await desk.wait(pending, policy);
  if (approvedOutcome(settled)) return { model, summary: `${subject} approved by ${settled.decidedBy}: ${settled.reason}` };
  const why = settled.status === 'timed out' ? settled.reason : `rejected by ${settled.decidedBy}: ${settled.reason}`;
  throw failure('Rejected', `${subject} was not approved: ${why}`, { approval: settled.id, decidedBy: settled.decidedBy });
}
