// The artifact store's errors, each of one kind: missing, corrupt, the remote store unreachable, or refusing us.

/**
 * - `missing`: the object is in neither the local cache nor the remote store.
 * - `corrupt`: bytes that do not hash to their address (the message names both hashes).
 * - `unavailable`: the remote store cannot be reached or failed on its side (network, 5xx, throttling): worth retrying.
 * - `refused`: the remote store answered no (credentials, permissions, a missing bucket): retrying will not help.
 */
export type ArtifactErrorKind = 'missing' | 'corrupt' | 'unavailable' | 'refused';

const BRAND = Symbol.for('mlcycle.ArtifactError');

export class ArtifactError extends Error {
  readonly [BRAND] = true;
  constructor(
    readonly kind: ArtifactErrorKind,
    message: string,
    /** The remote store's error code when it gave one (SignatureDoesNotMatch, NoSuchBucket, ECONNREFUSED, …). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ArtifactError';
  }

  get retryable(): boolean {
    return this.kind === 'unavailable';
  }
}

/** The ArtifactError behind an error (looking through `cause`), recognized even across module copies; or null. */
export function artifactErrorOf(err: unknown): ArtifactError | null {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (typeof e === 'object' && (e as Record<symbol, unknown>)[BRAND] === true) return e as ArtifactError;
  }
  return null;
}
