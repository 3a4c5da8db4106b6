// Failure types, declared once with their retryability and whether the repair round may restart a run they ended; matched by type, never by text.
import { ApplicationFailure } from '@temporalio/common';

export const FAILURES = {
  /** Input data cannot be read (the message names file, row and column). */
  DataError: { retryable: false, repairable: false },
  /** Data failed its error-level checks. */
  DataValidationFailed: { retryable: false, repairable: false },
  /** The packaged ONNX graph disagrees with the trainer. */
  ParityCheckFailed: { retryable: false, repairable: false },
  /** The pipeline definition, its stored version or a step module is invalid or missing. */
  BadDefinition: { retryable: false, repairable: false },
  /** A model that is not registered, not blessed or not the bytes it claims: never served (fail closed). */
  NotDeployable: { retryable: false, repairable: false },
  /** A user step failed on purpose (StepError) or returned outputs that break the step contract. */
  StepRejected: { retryable: false, repairable: false },
  /** A step failed after its bounded retries on an error of no declared type; the run ends naming the step. */
  StepFailed: { retryable: false, repairable: true },
  /** A user step failed on purpose with StepError({ retryable: true }): retried within the step's bounds. */
  StepFailedTransiently: { retryable: true, repairable: true },
  /** A user step stopped at its timeout (its thread ended, the worker kept serving): retried within the step's bounds. */
  StepTimedOut: { retryable: true, repairable: true },
  /** A user step whose heap passed its limit (MLCYCLE_STEP_MEMORY_MB): stopped, not retried; a person fixes it or raises the limit. */
  StepOutOfMemory: { retryable: false, repairable: false },
  /** A person's command to a running workflow (a rollout Update) that does not fit its state: refused with the reason, audited. */
  CommandRefused: { retryable: false, repairable: false },
  /** A person holding the approval's role rejected it, or nobody decided in time and the gate rejects on timeout: never repaired. */
  Rejected: { retryable: false, repairable: false },
  /** A request that cannot be carried out as asked (an output path or format, a chunk size, too many chunks). */
  BadRequest: { retryable: false, repairable: false },
  /** A dependency (a source database, the artifact store) is unavailable: worth retrying within the step's bounds. */
  DependencyUnavailable: { retryable: true, repairable: true },
  /** An artifact is in neither the local cache nor the remote store, or its bytes do not hash to its address. */
  ArtifactUnreadable: { retryable: false, repairable: false },
  /** The remote artifact store refused the request (credentials, permissions, no bucket): not retried; repairable once fixed. */
  ArtifactStoreRefused: { retryable: false, repairable: true },
} as const;

export type FailureType = keyof typeof FAILURES;

/**
 * Whether a failed run may be restarted from its failed step: infrastructure (a retry budget spent on an undeclared
 * or transient error, a dependency down) yes; bad data, failed checks, parity, bad definitions, rejected steps no.
 * A type not declared here is not repairable (fail closed).
 */
export function repairable(type: string | null): boolean {
  return isFailureType(type) && FAILURES[type].repairable;
}

/** What every retry policy refuses to retry. */
export const NON_RETRYABLE_TYPES: FailureType[] = (Object.keys(FAILURES) as FailureType[]).filter((t) => !FAILURES[t].retryable);

/** The failure to throw for a type: its retryability comes from FAILURES, never from the caller. */
export function failure(type: FailureType, message: string, ...details: unknown[]): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: !FAILURES[type].retryable, details });
}

function isFailureType(type: string | null | undefined): type is FailureType {
  return typeof type === 'string' && type in FAILURES;
}

/** The declared failure type behind an error (looking through activity, child-workflow and client wrappers), or null. */
export function failureTypeOf(err: unknown): FailureType | null {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ApplicationFailure && isFailureType(e.type)) return e.type;
  }
  return null;
}

/** The innermost message of an error chain (the application's own words, not the wrapper's). */
export function rootMessage(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error && e.message) message = e.message;
  }
  return message;
}
