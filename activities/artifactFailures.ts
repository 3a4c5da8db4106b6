// Artifact store errors leave every activity as declared failures: an unreachable store is retried, the rest are not.
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, Next } from '@temporalio/worker';
import { failure, type FailureType } from '../contracts/failures.js';
import { artifactErrorOf, type ArtifactError } from '../lib/store/artifactErrors.js';

const TYPES: Record<ArtifactError['kind'], FailureType> = {
  unavailable: 'DependencyUnavailable',
  refused: 'ArtifactStoreRefused',
  missing: 'ArtifactUnreadable',
  corrupt: 'ArtifactUnreadable',
};

/**
 * The declared failure for an artifact store error (kind and S3 code in its details); any other error, and a failure an
 * activity already declared, unchanged.
 */
export function artifactFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const artifact = artifactErrorOf(err);
  if (!artifact) return err;
  return failure(TYPES[artifact.kind], artifact.message, { kind: artifact.kind, code: artifact.code ?? null });
}

class ArtifactFailures implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      throw artifactFailure(err);
    }
  }
}

/** For Worker.create's `interceptors.activity`. */
export const artifactFailureInterceptor: ActivityInterceptorsFactory = () => ({ inbound: new ArtifactFailures() });
