// The built-in steps as the interpreter runs them: a registry of runners (workflows/steps/<name>.ts) keyed by the built-in names.
import { failure } from '../contracts/failures.js';
import type { StepOutputs } from '../contracts/steps.js';
import type { BuiltinStepName } from '../lib/steps/catalog.js';
import { runApproval } from './steps/approval.js';
import { runIngest } from './steps/ingest.js';
import { runOptimize } from './steps/optimize.js';
import { runPackage } from './steps/package.js';
import { runRollout } from './steps/rollout.js';
import type { BuiltinRunner, StepRun } from './steps/run.js';
import { runValidate } from './steps/validate.js';

export type { BuiltinRunner, StepRun };

/** One runner per built-in: the compiler rejects a name of BuiltinStepName without a runner, and a runner of no such name. */
export const BUILTIN_RUNNERS = {
  ingest: runIngest,
  validate: runValidate,
  optimize: runOptimize,
  package: runPackage,
  rollout: runRollout,
  approval: runApproval,
} as const satisfies Record<BuiltinStepName, BuiltinRunner>;

function isBuiltin(uses: string): uses is BuiltinStepName {
  return Object.hasOwn(BUILTIN_RUNNERS, uses);
}

export async function runBuiltin(r: StepRun): Promise<StepOutputs> {
  // The plan only marks a step built-in when the catalog has it; a name without a runner is refused, never guessed.
  if (!isBuiltin(r.step.uses)) throw failure('BadDefinition', `step "${r.step.id}" uses "${r.step.uses}", which is not a built-in step`);
  return BUILTIN_RUNNERS[r.step.uses](r);
}
