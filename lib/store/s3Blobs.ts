// The artifact store's remote half: objects in an S3-compatible bucket under their sha256, errors named by S3's code.
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ArtifactError } from './artifactErrors.js';
import type { RemoteBlobs } from './artifacts.js';

export interface S3Location {
  /** http(s)://host:port of the S3 API (SeaweedFS, MinIO, AWS…); addressed path-style. */
  endpoint: string;
  bucket: string;
  /** Keys are `<prefix><sha256>`; a prefix without a trailing slash gets one. */
  prefix?: string;
  /** Default us-east-1. */
  region?: string;
  /** Absent → the AWS SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per request, the SDK's backoff between them (default 3). */
  maxAttempts?: number;
}

/** Errors that mean "not reachable / not now": the network, a timeout, the server's own failures, throttling. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH',
  'TimeoutError', 'RequestTimeout', 'BadDigest' /* the bytes were damaged on the way */, 'RequestTimeTooSkewed', 'SlowDown', 'Throttling', 'ThrottlingException', 'ServiceUnavailable', 'InternalError',
]);

const HINTS: Record<string, string> = {
  SignatureDoesNotMatch: 'the secret key is wrong: check AWS_SECRET_ACCESS_KEY',
  InvalidAccessKeyId: 'the access key is unknown to the store: check AWS_ACCESS_KEY_ID',
  AccessDenied: 'the credentials may not do this: check the identity\'s permissions on the bucket',
  NoSuchBucket: 'the bucket does not exist: create it, or check MLCYCLE_S3_BUCKET',
  CredentialsProviderError: 'no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
};

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** The most specific code an SDK or network error carries, and its HTTP status when it has one. */
function codeOf(err: unknown): { code: string; status: number | undefined } {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const code = e.Code ?? (e.code && !/^\d+$/.test(e.code) ? e.code : undefined) ?? e.name ?? 'UnknownError';
  return { code: code === 'Error' || code === 'UnknownError' ? (status ? `HTTP ${status}` : 'UnknownError') : code, status };
}

export class S3Blobs implements RemoteBlobs {
  readonly client: S3Client;
  private readonly prefix: string;

  constructor(readonly location: S3Location) {
    const raw = location.prefix ?? '';
    this.prefix = raw === '' || raw.endsWith('/') ? raw : `${raw}/`;
    this.client = new S3Client({
      endpoint: location.endpoint,
      region: location.region ?? 'us-east-1',
      forcePathStyle: true,
      maxAttempts: location.maxAttempts ?? 3,
      ...(location.credentials ? { credentials: location.credentials } : {}),
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    });
  }

  keyOf(sha256: string): string {
    return `${this.prefix}${sha256}`;
  }

  describe(sha256: string): string {
    return `s3://${this.location.bucket}/${this.keyOf(sha256)}`;
  }

  /** The stored object's size and SHA-256 checksum (kept by stores that support checksums), or null when it is not there. */
  async head(sha256: string): Promise<{ bytes: number; sha256?: string } | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(sha256), ChecksumMode: 'ENABLED' }));
      const checksum = head.ChecksumSHA256 && !head.ChecksumSHA256.includes('-') ? Buffer.from(head.ChecksumSHA256, 'base64').toString('hex') : undefined;
      return { bytes: head.ContentLength ?? -1, ...(checksum ? { sha256: checksum } : {}) };
    } catch (err) {
      const { code, status } = codeOf(err);
      if (status === 404 && (code === 'NotFound' || code === 'NoSuchKey' || code === 'HTTP 404')) return null;
      // A HEAD answer has no body, so a refusal comes without S3's code: ask again with a GET, which carries it.
      if (status !== undefined && status >= 400 && status < 500) await this.get(sha256);
      throw this.failure(err, 'HEAD', sha256);
    }
  }

  /** Uploads the bytes under their hash; the store checks them against the SHA-256 sent along. */
  async put(sha256: string, data: Uint8Array): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: this.keyOf(sha256),
        Body: data,
        ContentLength: data.byteLength,
        ContentType: 'application/octet-stream',
        ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
      }));
    } catch (err) {
      throw this.failure(err, 'PUT', sha256);
    }
  }

  /** The object's bytes (unverified: the caller checks the hash), or null when it is not there. */
  async get(sha256: string): Promise<Buffer | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.keyOf(sha256) }));
      if (!out.Body) throw new Error('the answer had no body');
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      if (codeOf(err).code === 'NoSuchKey') return null;
      throw this.failure(err, 'GET', sha256);
    }
  }

  /**
   * Fails fast on a store that cannot serve us: unreachable, a wrong key or secret, a missing bucket. It reads a key
   * that is never written (GET answers carry S3's error code; "no such key" is the healthy answer).
   */
  async check(): Promise<void> {
    const probe = '0'.repeat(64);
    await this.get(probe);
  }

  private failure(err: unknown, op: string, sha256: string): ArtifactError {
    if (err instanceof ArtifactError) return err;
    const { code, status } = codeOf(err);
    const where = `${op} ${this.describe(sha256)}`;
    const detail = (err as SdkError)?.message && (err as SdkError).message !== code ? ` (${(err as SdkError).message})` : '';
    const transient = TRANSIENT_CODES.has(code) || (status !== undefined && (status >= 500 || status === 429)) || (status === undefined && code !== 'CredentialsProviderError');
    if (transient) {
      return new ArtifactError('unavailable', `the artifact store at ${this.location.endpoint} is unavailable: ${where} failed with ${code}${detail}`, code);
    }
    const hint = HINTS[code] ? `: ${HINTS[code]}` : '';
    return new ArtifactError('refused', `the artifact store at ${this.location.endpoint} refused ${where}: ${code}${hint}${detail}`, code);
  }
}
