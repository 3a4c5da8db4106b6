// Failure types, declared once with their retryability; workflows, activities and triggers raise and match these, never message text.
import { ApplicationFailure } from '@temporalio/common';

export const FAILURES = {
  /** Input data cannot be read (the message names file, row and column). */
  DataError: { retryable: false },
  /** Data failed its error-level checks. */
  DataValidationFailed: { retryable: false },
  /** The packaged ONNX graph disagrees with the trainer. */
  ParityCheckFailed: { retryable: false },
  /** The pipeline definition, its stored version or a step module is invalid or missing. */
  BadDefinition: { retryable: false },
  /** A user step failed on purpose (StepError) or returned outputs that break the step contract. */
  StepRejected: { retryable: false },
  /** A step failed after its bounded retries on an error of no declared type; the run ends naming the step. */
  StepFailed: { retryable: false },
  /** A user step failed on purpose with StepError({ retryable: true }): retried within the step's bounds. */
  StepFailedTransiently: { retryable: true },
  /** A dependency (a source database, the artifact store) is unavailable: worth retrying within the step's bounds. */
  DependencyUnavailable: { retryable: true },
} as const;

export type FailureType = keyof typeof FAILURES;

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
