// The contract of a user step: a plain object (name, config schema, ports, run) and the identity helper that types it.
import type { ColumnTable } from 'arquero';
import type { z } from 'zod';
import type { DatasetRef, JsonValue, PortKind, StepInputs } from './refs.js';

/** What a step module needs, from one import wherever it lives: zod for its config, arquero for its tables. */
export { z } from 'zod';
export * as aq from 'arquero';
export type { ColumnTable };
export type { DatasetRef, JsonValue, PortKind, StepInputs };

/** What a step's `run` can use: its identity, progress (heartbeats), a logger, cancellation, and the artifact store. */
export interface StepContext {
  /** The lifecycle run (its workflow id), the pipeline and its stored definition version, this step's id, the attempt (1-based). */
  runId: string;
  pipeline: string;
  pipelineVersion: string;
  stepId: string;
  attempt: number;
  /** Reports progress (a heartbeat, shown by `mlcycle run`); call it at least every few seconds in long work. */
  progress(message: string): void;
  log: { info(message: string): void; warn(message: string): void; error(message: string): void };
  /** Aborted when the run cancels this step (a sibling failed, or a person cancelled the run). */
  signal: AbortSignal;
  /** A dataset input as an arquero table. */
  loadTable(ref: DatasetRef): Promise<ColumnTable>;
  /** Stores a table as a new content-addressed, profiled snapshot (like ingest's) and returns its reference. */
  saveTable(table: ColumnTable, o?: { source?: string }): Promise<DatasetRef>;
  /**
   * POSTs `event` as JSON with `"version": 1` added, signed as mlcycle's own webhooks are (MLCYCLE_WEBHOOK_SECRET on the
   * worker: mlcycle-timestamp and mlcycle-signature headers). One attempt (default timeout 5 s), aborted with the step;
   * never throws: `status` is null when the receiver was unreachable, and `said` describes what happened.
   */
  webhook(url: string, event: { [key: string]: JsonValue }, o?: { timeoutMs?: number }): Promise<WebhookSent>;
}

/** How a step's webhook went: the receiver's status (null: unreachable) and a line for the log. */
export interface WebhookSent {
  status: number | null;
  said: string;
}

/** What `run` returns: the outputs it declared (`dataset` from saveTable, small JSON `data`) and a line for people. */
export interface StepRunResult {
  dataset?: DatasetRef;
  data?: { [key: string]: JsonValue };
  summary?: string;
}

export interface UserStep<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** The step's code version in its cache key; absent → the hash of its module's source. */
  version?: string;
  /** Checks the pipeline's `with` for this step (zod); absent → no configuration allowed. */
  config?: Schema;
  /** The outputs of upstream steps it takes (e.g. ["dataset"]). */
  consumes?: PortKind[];
  /** What it hands on: "dataset" (a new snapshot) and/or "data" (small JSON). */
  produces?: ('dataset' | 'data')[];
  /** Whether a result may be reused for the same inputs and config (default true); steps with side effects say false. */
  cache?: boolean;
  run(ctx: StepContext, args: { inputs: StepInputs; config: z.output<Schema> }): Promise<StepRunResult>;
}

/** Identity helper: gives `run` the types of its config. */
export function defineStep<Schema extends z.ZodType>(step: UserStep<Schema>): UserStep<Schema> {
  return step;
}

/** The brand every StepError carries: a registered symbol, the same in every copy of this module. */
const STEP_ERROR = Symbol.for('mlcycle.StepError');

/**
 * Whether `err` is a StepError, from whichever copy of this module it came: a step module outside the project (a
 * folder with no package.json of its own) is loaded as CommonJS and gets its own copy, whose class is another object.
 */
export function isStepError(err: unknown): err is StepError {
  return typeof err === 'object' && err !== null && (err as { [STEP_ERROR]?: unknown })[STEP_ERROR] === true && typeof (err as StepError).retryable === 'boolean';
}

/** Thrown by a step to fail on purpose; `retryable: false` (the default) ends the run at once, naming the step. */
export class StepError extends Error {
  override name = 'StepError';
  readonly retryable: boolean;
  constructor(message: string, o: { retryable?: boolean } = {}) {
    super(message);
    this.retryable = o.retryable ?? false;
    Object.defineProperty(this, STEP_ERROR, { value: true });
  }

  /** `err instanceof StepError` by the brand, so it holds across module copies; a subclass keeps the usual check. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === StepError ? isStepError(value) : Function.prototype[Symbol.hasInstance].call(this, value);
  }
}
