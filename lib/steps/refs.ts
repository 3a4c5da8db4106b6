// The references steps hand each other (datasets, validation, candidates, models, deployments): ids and hashes, never bytes.
import type { PlannedTrial } from '../train/search.js';

/** The kinds of output a step can produce and another can take as input. */
export const PORT_KINDS = ['dataset', 'validation', 'candidate', 'model', 'deployment', 'data'] as const;
export type PortKind = (typeof PORT_KINDS)[number];

export type TrialSpec = PlannedTrial;

export interface DatasetRef {
  id: string;
  uri: string;
  rows: number;
  columns: { name: string; kind: string }[];
  source: string;
  /** The snapshot's profile (per-column statistics, histograms, top categories). */
  profileUri: string;
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

export interface CandidateResult {
  modelUri: string;
  holdoutMetrics: Record<string, number>;
  blessed: boolean;
  gateReason: string;
  /** The serving champion scored on the same holdout (null when there is none). */
  champion: { version: number; score: number } | null;
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
  /** Whether the model passed its gate; an unblessed model is never deployed. */
  blessed: boolean;
  gateReason: string;
}

export interface DeployResult {
  /** champion: the model's first version, served at once; challenger: a rollout (shadow → canary → A/B) started. */
  role: 'champion' | 'challenger';
  championVersion: number;
  challengerVersion: number | null;
  /** The rollout's first stage and its traffic share; null for a champion. */
  stage: string | null;
  challengerWeight: number;
  /** The rollout workflow deciding the challenger's fate (`mlcycle rollout status <model>`); null for a champion. */
  rolloutWorkflowId: string | null;
  /** The model's monitor schedule (kept by `mlcycle schedules apply`; deploy creates no schedule). */
  monitorScheduleId: string;
}

/** What an optimize step hands on: the data it trained on, every trial, the winner and the gated candidate. */
export interface CandidateRef {
  dataset: DatasetRef;
  trials: TrialResult[];
  bestTrial: TrialResult;
  candidate: CandidateResult;
}

/** Small JSON a user step returns for the steps after it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Everything a step can hand on, one field per port kind; a step fills the ones it produces. */
export interface StepOutputs {
  dataset?: DatasetRef;
  validation?: ValidationSummary;
  candidate?: CandidateRef;
  model?: ModelRef;
  /** Null when the model was not deployed (not blessed). */
  deployment?: DeployResult | null;
  data?: { [key: string]: JsonValue };
  /** One line for people: what the step did. */
  summary?: string;
}

/** What a step receives: the outputs of the upstream steps that supply its input ports. */
export type StepInputs = Omit<StepOutputs, 'summary'>;
