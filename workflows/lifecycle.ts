// The lifecycle workflow: interprets the pipeline's DAG of steps (built-in and user), in parallel where needs allow, memoized.
import { patched } from '@temporalio/workflow';
import type { LifecycleInput, LifecycleResult } from '../contracts/types.js';
import { lifecycleV2 } from './interpreter.js';
import { lifecycleV1 } from './lifecycleV1.js';

/**
 * Runs begun on the v2 engine (patch `mlcycle-engine-v2`, the first command of their history) use it; runs begun before
 * replay through the frozen v1 interpreter, command for command (workflows/ARCHITECTURE.md, "Two interpreters").
 */
export async function lifecycleWorkflow(input: LifecycleInput): Promise<LifecycleResult> {
  return patched('mlcycle-engine-v2') ? lifecycleV2(input) : lifecycleV1(input);
}
