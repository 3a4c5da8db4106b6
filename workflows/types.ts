// The inputs and results of every workflow and activity: one object in, one object out, declared once.
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import type { PlannedTrial } from '../lib/train/search.js';

export type { PipelineDefinition };

export type DataSource =
  | { kind: 'file'; path: string; format?: 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet' | 'arrow' }
  /** The connection string is read by the worker (urlEnv, else mlcycle's own database): no secret in history. */
  | { kind: 'postgres'; query: string; urlEnv?: string }
  /** Labelled traffic of a served model: logged requests joined with their feedback, up to a prediction id. */
  | { kind: 'feedback'; modelName: string; upToPredictionId: number };

export interface DatasetRef {
  id: string;
  uri: string;
  rows: number;
  columns: { name: string; kind: string }[];
  source: string;
  /** The snapshot's profile (per-column statistics, histograms, top categories). */
  profileUri: string;
}

export type LifecycleStep = 'ingest' | 'validate' | 'optimize' | 'package' | 'deploy' | 'monitor' | 'done' | 'failed';

export interface LifecycleInput {
  pipeline: PipelineDefinition;
  source: DataSource;
  dataVersion: string;
  reason: string;
}

export interface LifecycleProgress {
  step: LifecycleStep;
  completedSteps: LifecycleStep[];
  trialsDone: number;
  trialsTotal: number;
  message: string;
  /** Every step message so far (oldest first, at most the last 50), so a follower that polls misses none. */
  events: { seq: number; step: LifecycleStep; message: string }[];
}

export interface LifecycleResult {
  dataset: DatasetRef;
  validation: ValidationSummary;
  /** Every trial of the search (each rung of successive halving). */
  trials: TrialResult[];
  bestTrial: TrialResult;
  candidate: CandidateResult;
  model: ModelRef;
  deployment: DeployResult | null;
}

export interface IngestInput {
  pipeline: string;
  source: DataSource;
}

export interface ValidateInput {
  runId: string;
  pipeline: PipelineDefinition;
  dataset: DatasetRef;
}

export interface ValidationSummary {
  ok: boolean;
  schemaVersion: number;
  schemaCreated: boolean;
  reportUri: string;
  /** The report as an HTML page a person can open. */
  reportHtml: string;
  errors: number;
  warnings: number;
  /** The first few error-level findings, for the failure message and the Web UI. */
  topIssues: { column: string; check: string; message: string }[];
  /** What the run trains on: the ingested data, or its kept rows when failing rows were quarantined. */
  trainingDataset: DatasetRef;
  quarantinedRows: number;
}

/** One trial: an algorithm, its hyperparameters, a feature set, and the share of training rows it may use. */
export type TrialSpec = PlannedTrial;

export interface PlanSearchInput {
  pipeline: PipelineDefinition;
}

export interface SearchPlan {
  /** The first rung's trials (all trials for grid and random search). */
  trials: TrialSpec[];
  /** Successive halving's budgets after the first (empty otherwise); the best 1/eta go on to the next. */
  nextBudgets: number[];
  eta: number;
}

export interface TrialInput {
  runId: string;
  pipeline: PipelineDefinition;
  dataset: DatasetRef;
  trial: TrialSpec;
}

export interface TrialResult {
  trialId: string;
  algorithm: TrialSpec['algorithm'];
  params: Record<string, number>;
  features: TrialSpec['features'];
  budget: number;
  cvScore: number;
  cvStd: number;
  metric: string;
  /** The metric's direction: true for accuracy or R², false for RMSE or log loss. */
  higherIsBetter: boolean;
}

export interface CandidateInput {
  runId: string;
  pipeline: PipelineDefinition;
  dataset: DatasetRef;
  trials: TrialResult[];
  best: TrialResult;
}

export interface CandidateResult {
  modelUri: string;
  holdoutMetrics: Record<string, number>;
  blessed: boolean;
  gateReason: string;
  /** The serving champion scored on the same holdout (null when there is none). */
  champion: { version: number; score: number } | null;
}

export interface PackageInput {
  runId: string;
  pipeline: PipelineDefinition;
  dataset: DatasetRef;
  candidate: CandidateResult;
  trials: TrialResult[];
}

export interface ModelRef {
  name: string;
  version: number;
  uri: string;
  sha256: string;
  parityMaxAbsDiff: number;
  /** The model card as an HTML page. */
  cardHtml: string;
  latencyMs: { batch1: number; batch1024: number };
}

export interface DeployInput {
  pipeline: PipelineDefinition;
  model: ModelRef;
  reason: string;
}

export interface DeployResult {
  role: 'champion' | 'challenger';
  championVersion: number;
  challengerVersion: number | null;
  challengerWeight: number;
  monitorScheduleId: string;
}

export interface MonitorInput {
  pipeline: PipelineDefinition;
}

export interface MonitorWindowInput {
  monitorRunId: string;
  pipeline: PipelineDefinition;
}

export interface MonitorWindowResult {
  /** False when the window had fewer rows than the policy's minimum: nothing was stored. */
  evaluated: boolean;
  fromPredictionId: number;
  toPredictionId: number;
  rows: number;
  modelVersion: number;
  breached: boolean;
  reasons: string[];
  reportUri: string | null;
  /** The same report as an HTML page a person can open. */
  reportHtml: string | null;
}

export interface MonitorResult {
  window: MonitorWindowResult;
  retrainWorkflowId: string | null;
}
