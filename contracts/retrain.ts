// Scheduled retraining: its workflow's input and decision, and the activity that resolves the retraining source.
import type { PipelineRef } from './steps.js';
import type { DataSource } from './types.js';

export interface RetrainInput {
  /** The stored definition the schedule was applied from; the lifecycle run follows the same version. */
  pipeline: PipelineRef;
}

/** What the source holds now: the data to train on and its version, or nothing to train on (and why). */
export type RetrainSource =
  | { found: false; reason: string }
  | {
      found: true;
      source: DataSource;
      /** The file's sha256; null for a query (its rows are known only once read: ingest reads them every time). */
      sourceDigest: string | null;
      /** From the content: a file's first 16 hex of sha256, a query's hash of its text and watermark. */
      dataVersion: string;
      /** For people: the file's name, or the query's watermark. */
      label: string;
    };

export interface RetrainResult {
  decision: 'started' | 'nothing new';
  /** The lifecycle run started, or the existing run for the same data; null when the source held nothing. */
  workflowId: string | null;
  dataVersion: string | null;
  reason: string;
}
