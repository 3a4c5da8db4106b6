// What a built-in step's runner gets (the run, its planned step, its inputs) and the runner's type.
import { failure } from '../../contracts/failures.js';
import type { PlannedStep, StepInputs, StepOutputs } from '../../contracts/steps.js';
import type { LifecycleInput, LifecycleProgress } from '../../contracts/types.js';
import type { ApprovalDesk } from '../approval.js';

export interface StepRun {
  runId: string;
  input: LifecycleInput;
  step: PlannedStep;
  inputs: StepInputs;
  progress: LifecycleProgress;
  report(message: string): void;
  /** The run's approval requests (the `approval` step waits on them). */
  approvals?: ApprovalDesk;
}

/** A built-in step as the interpreter runs it: its inputs (references) in, its outputs out. */
export type BuiltinRunner = (r: StepRun) => Promise<StepOutputs>;

/** An input the plan promised; its absence is a bug in the plan, named as such. */
export function need<K extends keyof StepInputs>(r: StepRun, kind: K): NonNullable<StepInputs[K]> {
  const value = r.inputs[kind];
  if (value === undefined || value === null) throw failure('BadDefinition', `step "${r.step.id}" got no "${String(kind)}" input`);
  return value as NonNullable<StepInputs[K]>;
}
