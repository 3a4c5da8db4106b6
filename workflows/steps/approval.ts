// The built-in `approval` step: waits for a person to approve the model (workflows/approvalStep.ts), on the run's ApprovalDesk.
import { failure } from '../../contracts/failures.js';
import type { StepOutputs } from '../../contracts/steps.js';
import { approvalStep } from '../approvalStep.js';
import type { StepRun } from './run.js';

export async function runApproval(r: StepRun): Promise<StepOutputs> {
  if (!r.approvals) throw failure('BadDefinition', `step "${r.step.id}": approvals are not set up in this workflow`);
  return approvalStep(r, r.approvals);
}
