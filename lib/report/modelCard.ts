// The model card: what a registered model is, what it takes, how it scored, where it came from.

export interface InputField {
  name: string;
  kind: 'numeric' | 'categorical';
}

export interface ModelSignature {
  inputs: InputField[];
  target: string;
  classes: string[];
}

export interface TrialSummary {
  trialId: string;
  params: Record<string, number | string>;
  cvScore: number;
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
  onnx: { sha256: string; bytes: number; parityMaxAbsDiff: number };
  libraries: Record<string, string>;
  runId: string;
  createdAt: string;
}
