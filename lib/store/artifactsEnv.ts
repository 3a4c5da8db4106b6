// The artifact store a process opens: the local folder alone, or backed by an S3 bucket named by MLCYCLE_S3_* variables.
import { ArtifactStore } from './artifacts.js';
import { S3Blobs, type S3Location } from './s3Blobs.js';

export const S3_VARIABLES = ['MLCYCLE_S3_ENDPOINT', 'MLCYCLE_S3_BUCKET', 'MLCYCLE_S3_PREFIX', 'MLCYCLE_S3_REGION'] as const;

/** S3's bucket naming rules (3–63 characters: lower-case letters, digits, dots, hyphens; a letter or digit at each end). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/**
 * The S3 location from the environment, or null when no MLCYCLE_S3_* variable is set (the local folder alone).
 * Partial or malformed configuration is an error naming the variable; credentials come from the AWS SDK's default
 * chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY first), only checked here for a half-set pair.
 */
export function s3LocationFromEnv(env: NodeJS.ProcessEnv = process.env): S3Location | null {
  const set = S3_VARIABLES.filter((name) => value(env, name) !== undefined);
  if (set.length === 0) return null;
  const endpoint = value(env, 'MLCYCLE_S3_ENDPOINT');
  const bucket = value(env, 'MLCYCLE_S3_BUCKET');
  const lacking = [...(endpoint ? [] : ['MLCYCLE_S3_ENDPOINT']), ...(bucket ? [] : ['MLCYCLE_S3_BUCKET'])];
  if (lacking.length) {
    throw new Error(`artifacts in S3 need ${lacking.join(' and ')} too (${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set); unset every MLCYCLE_S3_* variable to keep artifacts in the local folder`);
  }
  let url: URL;
  try {
    url = new URL(endpoint as string);
  } catch {
    throw new Error(`MLCYCLE_S3_ENDPOINT must be a URL such as http://127.0.0.1:8333, got "${endpoint}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`MLCYCLE_S3_ENDPOINT must be an http:// or https:// URL, got "${endpoint}"`);
  if (!BUCKET.test(bucket as string) || (bucket as string).includes('..')) {
    throw new Error(`MLCYCLE_S3_BUCKET "${bucket}" is not a valid bucket name (3-63 characters: a-z, 0-9, dots and hyphens)`);
  }
  const prefix = value(env, 'MLCYCLE_S3_PREFIX');
  if (prefix !== undefined && (prefix.startsWith('/') || prefix.includes('//') || prefix.includes('\\'))) {
    throw new Error(`MLCYCLE_S3_PREFIX "${prefix}" must be a relative key prefix such as "mlcycle/artifacts" (no leading or doubled slash, no backslash)`);
  }
  const keyId = value(env, 'AWS_ACCESS_KEY_ID');
  const secret = value(env, 'AWS_SECRET_ACCESS_KEY');
  if (Boolean(keyId) !== Boolean(secret)) {
    throw new Error(`${keyId ? 'AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not' : 'AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not'}: set both, or neither to use the AWS SDK's other credential sources`);
  }
  return {
    endpoint: endpoint as string,
    bucket: bucket as string,
    prefix,
    region: value(env, 'MLCYCLE_S3_REGION') ?? 'us-east-1',
    // Passed on explicitly, so an `env` other than process.env is honoured; none → the SDK's chain (profiles, roles).
    credentials: keyId && secret ? { accessKeyId: keyId, secretAccessKey: secret, ...(value(env, 'AWS_SESSION_TOKEN') ? { sessionToken: value(env, 'AWS_SESSION_TOKEN') } : {}) } : undefined,
  };
}

/** The store over `localRoot`: with MLCYCLE_S3_* set, a verified cache of the bucket; else the local folder alone. */
export function openArtifactStore(localRoot: string, env: NodeJS.ProcessEnv = process.env): ArtifactStore {
  const location = s3LocationFromEnv(env);
  return new ArtifactStore(localRoot, location ? new S3Blobs(location) : undefined);
}
