// The step contract shared by the lifecycle workflow and the engine's activities: plans, references, cache records.
import type { RunPlan, PlannedStep } from '../lib/steps/plan.js';
import type { StepInputs, StepOutputs } from '../lib/steps/refs.js';
import type { DataSource } from './types.js';

export type { RunPlan, PlannedStep, StepInputs, StepOutputs };
export type { PortKind, DatasetRef, ValidationSummary, CandidateRef, CandidateResult, ModelRef, DeployResult, TrialResult, TrialSpec, JsonValue } from '../lib/steps/refs.js';

/** A stored pipeline definition: its name and the hash of its content (and its step modules' sources). */
export interface PipelineRef {
  name: string;
  version: string;
}

export interface PlanRunInput {
  pipeline: PipelineRef;
}

export interface PrepareStepInput {
  runId: string;
  pipeline: PipelineRef;
  step: Pick<PlannedStep, 'id' | 'uses' | 'cache' | 'config'>;
  inputs: StepInputs;
  /** The run's source and its content digest (null when the content is not known before reading, e.g. a query). */
  source: DataSource;
  sourceDigest: string | null;
  /** Do not reuse recorded results (they are still recorded). */
  noCache: boolean;
}

export interface PreparedStep {
  cacheKey: string;
  /** The recorded outputs and the run that produced them, when reused. */
  reused: { outputs: StepOutputs; fromRun: string } | null;
  /** False when this step's result must not be recorded for reuse (cache off, or an input with no stable digest). */
  cacheable: boolean;
}

export interface RecordStepInput {
  runId: string;
  pipeline: PipelineRef;
  stepId: string;
  uses: string;
  cacheKey: string;
  cacheable: boolean;
  outputs: StepOutputs;
  durationMs: number;
}

export interface RecordStepFailureInput {
  runId: string;
  pipeline: PipelineRef;
  stepId: string;
  uses: string;
  cacheKey: string | null;
  error: string;
  failureType: string | null;
}

export interface UserStepInput {
  runId: string;
  pipeline: PipelineRef;
  stepId: string;
  uses: string;
  config: Record<string, unknown>;
  inputs: StepInputs;
}

/** How a step ended in a run (the result lists every step). */
export interface StepRecord {
  id: string;
  uses: string;
  state: 'done' | 'reused';
  cacheKey: string;
  durationMs: number;
  summary: string;
  /** For a reused step: the run whose result was reused. */
  reusedFrom: string | null;
}

/** The inputs a step takes: for each input port, that output of the step the plan says supplies it. */
export function stepInputs(step: Pick<PlannedStep, 'inputs'>, outputs: ReadonlyMap<string, StepOutputs>): StepInputs {
  const inputs: Record<string, unknown> = {};
  for (const [kind, from] of Object.entries(step.inputs)) inputs[kind] = (outputs.get(from as string) as Record<string, unknown> | undefined)?.[kind];
  return inputs as StepInputs;
}
