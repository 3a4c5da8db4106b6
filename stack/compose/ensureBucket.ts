// docker-compose's s3-bucket service: the artifact bucket (MLCYCLE_S3_BUCKET) on MLCYCLE_S3_ENDPOINT, created when missing.
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface BucketTarget {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** How long the store may take to answer at all (default 60 s); a refusal ends the wait at once. */
  timeoutMs?: number;
}

const REFUSALS = new Set(['Forbidden', 'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch']);

/** 'exists' or 'created'; an unreachable store is retried until the deadline, a refused key is an error at once. */
export async function ensureBucket(t: BucketTarget): Promise<'exists' | 'created'> {
  const client = new S3Client({
    endpoint: t.endpoint, region: t.region, forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
    requestHandler: { connectionTimeout: 2000, requestTimeout: 10_000 },
  });
  const deadline = Date.now() + (t.timeoutMs ?? 60_000);
  try {
    for (;;) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: t.bucket }));
        return 'exists';
      } catch (err) {
        const name = (err as Error).name;
        if (name === 'NotFound' || name === 'NoSuchBucket') {
          await client.send(new CreateBucketCommand({ Bucket: t.bucket }));
          return 'created';
        }
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (REFUSALS.has(name) || status === 403) {
          // A HEAD answer has no body, hence often no S3 error code: the status says enough.
          throw new Error(`the S3 store at ${t.endpoint} refused bucket ${t.bucket} (${REFUSALS.has(name) ? name : `HTTP ${status}`}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
        }
        if (Date.now() > deadline) throw new Error(`the S3 store at ${t.endpoint} did not answer within ${t.timeoutMs ?? 60_000} ms: ${name}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    client.destroy();
  }
}

function required(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const target = {
    endpoint: required('MLCYCLE_S3_ENDPOINT'), bucket: required('MLCYCLE_S3_BUCKET'), region: process.env.MLCYCLE_S3_REGION || 'us-east-1',
    accessKeyId: required('AWS_ACCESS_KEY_ID'), secretAccessKey: required('AWS_SECRET_ACCESS_KEY'),
  };
  console.log(`bucket ${target.bucket} on ${target.endpoint}: ${await ensureBucket(target)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`s3-bucket: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
