// The validate op of the training threads: runValidation on a snapshot the thread reads itself, rows back by transfer.
import { performance } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';
import { inferSchema } from '../lib/checks/schema.js';
import type { DataSchema } from '../lib/checks/schema.js';
import { runValidation, type RunValidationInput, type ValidationOutcome } from '../lib/checks/suite.js';
import type { Table } from '../lib/data/table.js';

/**
 * Everything runValidation takes but the table, as plain data (it is structured-cloned to the thread: no functions),
 * and where the thread reads the table.
 */
export interface ValidationRequest extends Omit<RunValidationInput, 'table'> {
  /** The artifact store's root directory (the thread opens its own ArtifactStore on it). */
  artifactsRoot: string;
  /** The snapshot's URI (artifact://<sha256>): Arrow IPC bytes, read and decoded in the thread. */
  snapshotUri: string;
  /**
   * With no `schema`: first infer one from the snapshot (inferSchema, as the first data of a pipeline proposes it),
   * check the data against it, and return it as `inferredSchema`.
   */
  inferSchema?: boolean;
}

/** runValidation's outcome (report; kept and quarantined rows when a quarantine applied), with the thread's time. */
export interface ValidationResult extends ValidationOutcome {
  /** The schema inferred in the thread (only when the request asked for it). */
  inferredSchema?: DataSchema;
  /** Time spent in the thread (snapshot read included when it was not cached). */
  ms: number;
}

/** Progress the thread posts: reading the snapshot, inferring a schema, running the checks. */
export type ValidationProgress = { kind: 'validation'; phase: 'reading' | 'inferring' | 'checking' };

/** Runs the checks in this thread; `load` is the thread's snapshot cache. */
export async function runValidationTask(
  request: ValidationRequest,
  port: MessagePort | undefined,
  load: (artifactsRoot: string, uri: string) => Promise<Table>,
): Promise<ValidationResult> {
  const started = performance.now();
  const post = (phase: ValidationProgress['phase']): void => port?.postMessage({ kind: 'validation', phase } satisfies ValidationProgress);
  const { artifactsRoot, snapshotUri, inferSchema: infer, ...input } = request;
  post('reading');
  const table = await load(artifactsRoot, snapshotUri);
  let inferredSchema: DataSchema | undefined;
  if (!input.schema && infer) {
    post('inferring');
    inferredSchema = inferSchema(table);
  }
  post('checking');
  const outcome = runValidation({ ...input, table, schema: input.schema ?? inferredSchema ?? null });
  return { ...outcome, ...(inferredSchema ? { inferredSchema } : {}), ms: performance.now() - started };
}

/** The buffers of the result's row lists: moved to the caller, not copied (each list owns its whole buffer). */
export function transferablesOf(result: ValidationResult): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  for (const rows of [result.keptRows, result.quarantinedRows]) {
    if (rows && rows.buffer instanceof ArrayBuffer && rows.byteOffset === 0 && rows.byteLength === rows.buffer.byteLength && !buffers.includes(rows.buffer)) {
      buffers.push(rows.buffer);
    }
  }
  return buffers;
}
