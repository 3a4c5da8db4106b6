// The interpreter's contract with the engine activities at scale: plan pages, the memoized prefix in one call, a user step in one activity.
import type { PlanPage } from '../lib/steps/compactPlan.js';
import type { PipelineRef, StepInputs, StepOutputs } from './steps.js';
import type { DataSource } from './types.js';

export type { PlanPage };

export interface PlanPageInput {
  pipeline: PipelineRef;
  offset: number;
}

export interface ResolveMemoInput {
  runId: string;
  pipeline: PipelineRef;
  source: DataSource;
  sourceDigest: string | null;
  /** Steps already done in this run (a continued run): index → the outputs the rest may need. */
  done: Record<number, StepOutputs>;
  doneIndices: number[];
  /** Cache keys come back for the first this many reused steps (and built-ins): the ones a result lists. */
  listUpTo: number;
}

/** The steps whose recorded results stand (every step they need reused or done), found in one call. */
export interface ResolvedMemo {
  /** The runs results came from, referenced by index below. */
  runs: string[];
  /** [plan index, index into runs, cache key ('' past listUpTo)] per reused step, in plan order. */
  reused: [number, number, string][];
  /** Outputs of reused steps the workflow still needs (inputs of steps to run, built-ins, all of them in small plans). */
  outputs: Record<number, StepOutputs>;
}

export interface ExecuteStepInput {
  runId: string;
  pipeline: PipelineRef;
  stepId: string;
  uses: string;
  inputs: StepInputs;
  source: DataSource;
  sourceDigest: string | null;
  noCache: boolean;
}

/** A user step looked up, run when nothing recorded stands, and recorded: one activity. */
export interface ExecutedStep {
  cacheKey: string;
  outputs: StepOutputs;
  /** The run whose result was reused; null when the step ran here. */
  reusedFrom: string | null;
  durationMs: number;
}
