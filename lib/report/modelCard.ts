// The model card: what a registered model is, what it takes, how it scored, where it came from.
import type { TransformsCard } from '../transforms/describe.js';

export interface InputField {
  name: string;
  kind: 'numeric' | 'categorical';
}

export interface ModelSignature {
  inputs: InputField[];
  target: string;
  /** Absent on cards written before regression existed: classification. */
  task?: 'classification' | 'regression';
  /** The classifier's labels, in its probability order; empty for regression. */
  classes: string[];
}

export interface TrialSummary {
  trialId: string;
  params: Record<string, number | string>;
  cvScore: number;
}

/** A confidence interval for a holdout metric (e.g. from lib/train/bootstrap.ts). */
export interface MetricInterval {
  lower: number;
  upper: number;
  /** Two-sided coverage, e.g. 0.95. */
  level?: number;
}

/** One dataset the model was trained or scored on, by content address. */
export interface DatasetLineage {
  id: string;
  sha256: string;
  /** What the model did with it: "training", "holdout", "reference", … */
  role?: string;
  rows?: number;
  uri?: string;
  source?: string;
}

export interface ModelCard {
  name: string;
  purpose: string;
  algorithm: string;
  hyperparameters: Record<string, number | string>;
  signature: ModelSignature;
  metrics: Record<string, number>;
  primaryMetric: string;
  dataset: { id: string; rows: number; source: string };
  trials: TrialSummary[];
  onnx: {
    sha256: string;
    bytes: number;
    /** The parity check's figure (max abs probability difference, or max relative difference for regression); absent for an imported model (no trainer to compare with). */
    parityMaxAbsDiff?: number;
    /** The parity check in full (cards before regression have only parityMaxAbsDiff). */
    parity?: { measure: string; value: number; tolerance: number; rows: number };
  };
  libraries: Record<string, string>;
  runId: string;
  createdAt: string;
  /** Confidence intervals of `metrics`, by metric name. */
  metricIntervals?: Record<string, MetricInterval>;
  /** Scoring latency of the packaged model, milliseconds per call, at batch sizes 1 and 1,024. */
  latencyMs?: { batch1: number; batch1024: number };
  /** Every dataset behind the model (`dataset` is the one it was trained on). */
  lineage?: DatasetLineage[];
  /** The gate's verdict when the model was registered: only a blessed model may ever be served. */
  gate?: { blessed: boolean; reason: string };
  /** Its pipeline's pii rules and the id of the key that hashed them: serving applies them before scoring and logging. */
  pii?: ModelPii;
  /** Derived features computed inside the graph: each with its learned statistics (lib/transforms). */
  transforms?: TransformsCard;
}

/** The pii rules a model version carries (field → drop | hash); `keyId` names the MLCYCLE_PII_KEY that hashed its data. */
export interface ModelPii {
  rules: Record<string, 'drop' | 'hash'>;
  keyId: string | null;
}
