// The inputs and results of every workflow and activity: one object in, one object out, declared once.
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import type { CandidateRef, CandidateResult, DatasetRef, DeployResult, ModelRef, StepOutputs, TrialResult, TrialSpec, ValidationSummary } from '../lib/steps/refs.js';
import type { RunCarry } from './progress.js';
import type { PipelineRef, StepRecord } from './steps.js';

export type { PipelineDefinition, PipelineRef };
export type { CandidateRef, CandidateResult, DatasetRef, DeployResult, ModelRef, StepOutputs, TrialResult, TrialSpec, ValidationSummary };
export type { LifecycleProgress, ProgressSince, RunCarry, StepProgress, StepState } from './progress.js';

export type DataSource =
  | { kind: 'file'; path: string; format?: 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet' | 'arrow' }
  /** A run of a DAG without ingest whose definition declares no data: nothing to read. */
  | { kind: 'none' }
  /** The connection string is read by the worker (urlEnv, else mlcycle's own database): no secret in history. */
  | { kind: 'postgres'; query: string; urlEnv?: string }
  /**
   * Labelled traffic of a served model: logged requests joined with their feedback, up to a prediction id. The monitor's
   * retraining also bounds it below (fromPredictionId), by label time (labelsUpTo), by count (the newest maxRows) and
   * adds the champion's training snapshot (championDatasetId): the same fields always read the same rows.
   */
  | {
      kind: 'feedback';
      modelName: string;
      upToPredictionId: number;
      fromPredictionId?: number;
      labelsUpTo?: string | null;
      maxRows?: number | null;
      championDatasetId?: string | null;
    };

export interface LifecycleInput {
  /** The stored definition this run follows (the same version for its retries, repairs and retrains). */
  pipeline: PipelineRef;
  source: DataSource;
  /** The data's content hash, when known before reading (files; feedback up to a prediction id); null for queries. */
  sourceDigest: string | null;
  dataVersion: string;
  reason: string;
  /** Run every step even when a result for its cache key is recorded. */
  noCache?: boolean;
  /** Set on a run the repair round started: the failed run (same workflow id) it repairs. */
  repair?: { of: string; attempt: number; fromStep: string | null };
  /** Set on a run that continues its predecessor (continue-as-new): what that one finished. */
  resume?: RunCarry;
  /** Continue as new past this many history events (default 10,000; tests lower it). */
  continueAsNewAfterEvents?: number;
}

export interface LifecycleResult {
  pipeline: PipelineRef;
  /** Every step in the order it finished, executed or reused (the first 500 in runs of more steps: see stepsOmitted). */
  steps: StepRecord[];
  /** Steps finished but not listed in `steps` (large runs; their records are in the store: `mlcycle status`). */
  stepsOmitted?: number;
  /** Each listed step's outputs by step id. */
  outputs: Record<string, StepOutputs>;
  /** The outputs of the built-in steps (null when the DAG has no such step). */
  dataset: DatasetRef | null;
  validation: ValidationSummary | null;
  /** Every trial of the search (each rung of successive halving). */
  trials: TrialResult[];
  bestTrial: TrialResult | null;
  candidate: CandidateResult | null;
  model: ModelRef | null;
  deployment: DeployResult | null;
}

export interface IngestInput {
  pipeline: string;
  source: DataSource;
  /** The stored definition whose `pii` rules the snapshot follows (absent in histories from before pii existed). */
  definition?: PipelineRef;
}

export interface ValidateInput {
  runId: string;
  pipeline: PipelineRef;
  dataset: DatasetRef;
}

export interface PlanSearchInput {
  pipeline: PipelineRef;
}

export interface SearchPlan {
  /** The first rung's trials (all trials for grid and random search). */
  trials: TrialSpec[];
  /** Successive halving's budgets after the first (empty otherwise); the best 1/eta go on to the next. */
  nextBudgets: number[];
  eta: number;
  strategy: string;
  folds: number;
  maxParallelTrials: number;
}

export interface TrialInput {
  runId: string;
  pipeline: PipelineRef;
  dataset: DatasetRef;
  trial: TrialSpec;
}

export interface CandidateInput {
  runId: string;
  pipeline: PipelineRef;
  dataset: DatasetRef;
  trials: TrialResult[];
  best: TrialResult;
}

export interface PackageInput {
  runId: string;
  pipeline: PipelineRef;
  candidate: CandidateRef;
}

export interface DeployInput {
  /** The lifecycle run serving the model (it starts the rollout, if any). */
  runId: string;
  pipeline: PipelineRef;
  model: ModelRef;
  reason: string;
}

export interface MonitorInput {
  pipeline: PipelineRef;
}

export interface MonitorWindowInput {
  monitorRunId: string;
  pipeline: PipelineRef;
}

export interface MonitorWindowResult {
  /** True when the window was judged (breach or within policy); see notJudged otherwise. */
  evaluated: boolean;
  /**
   * Why it was not judged. too_few_rows / no_deployment: nothing stored, the next window includes these rows.
   * unjudgeable (a feature with no values, an unreadable row): stored with the reason, the cursor moves past it.
   */
  notJudged: { code: 'too_few_rows' | 'no_deployment' | 'unjudgeable'; reason: string } | null;
  fromPredictionId: number;
  toPredictionId: number;
  rows: number;
  modelVersion: number;
  breached: boolean;
  reasons: string[];
  reportUri: string | null;
  /** The same report as an HTML page a person can open. */
  reportHtml: string | null;
  /** The pipeline's retrain.enabled: whether a breach starts a retraining run. */
  retrainEnabled: boolean;
}

export interface MonitorResult {
  window: MonitorWindowResult;
  /** The retraining run this monitor run started (or found started for the same data); null otherwise. */
  retrainWorkflowId: string | null;
  /** The incident and retraining decision of a judged window (null when the window was not judged). */
  decision: RetrainDecision | null;
}

export interface RetrainDecisionInput {
  monitorRunId: string;
  pipeline: PipelineRef;
  window: Pick<MonitorWindowResult, 'evaluated' | 'breached' | 'reasons' | 'modelVersion' | 'toPredictionId'>;
}

/**
 * The monitor run's decision, made once per monitor run id (a retry or rerun reads the stored one). Reasons are named:
 * retrain (a new incident, or an open one without a run yet), within_policy, incident_open, cooldown,
 * too_few_new_labels, retrain_disabled, no_labelled_data.
 */
export interface RetrainDecision {
  decision: 'retrain' | 'skip' | 'none';
  reason: string;
  /** For people: e.g. "incident #3 open since …; retraining run X already started". */
  detail: string;
  incidentId: number | null;
  /** When decision is retrain: the lifecycle run to start and its input's data. */
  workflowId: string | null;
  dataVersion: string | null;
  source: DataSource | null;
  /** Incidents closed by this window (back within policy, or the champion changed). */
  closed: { id: number; reason: string }[];
}

export interface RepairInput {
  /** One pipeline's runs, or every pipeline's (null). */
  pipeline: string | null;
  /** Decide and report, start and record nothing. */
  dryRun: boolean;
}

/** What the round decided for one failed, timed-out or terminated lifecycle run. */
export interface RepairDecision {
  workflowId: string;
  runId: string;
  pipeline: string;
  status: string;
  failureType: string | null;
  /** The step that failed (from the run's failure), where the repair restarts. */
  step: string | null;
  /** restart: a new run of the same id reuses what completed; wait: backoff not over; decided: an earlier round decided. */
  action: 'restart' | 'not_repairable' | 'park' | 'wait' | 'decided';
  attempt: number;
  reason: string;
  newRunId: string | null;
}

export interface RepairResult {
  decisions: RepairDecision[];
  /** Restarts whose runs closed since the last round, with how they ended. */
  outcomes: { workflowId: string; failedRunId: string; newRunId: string; outcome: string }[];
}
