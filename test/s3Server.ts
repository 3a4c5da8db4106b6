// A real S3 server for tests: SeaweedFS on free ports in a temporary folder, with one identity and a bucket (weed built if absent).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { startS3Server, type RunningS3Server, type S3Ports } from '../stack/seaweed.js';
import { freePort } from './harness.js';

export interface TestS3 extends RunningS3Server {
  dir: string;
  ports: S3Ports;
  /** The variables a process reads to keep its artifacts in this bucket (openArtifactStore). */
  env: Record<string, string>;
  /** A client with the server's identity (for reading or tampering with objects directly). */
  client: S3Client;
  /** Stops the server; its folder stays until teardown. */
  stop(timeoutMs?: number): Promise<void>;
  /** Starts it again on the same folder and ports (objects survive). */
  restart(): Promise<void>;
  /** Stops the server and removes its folder. */
  teardown(): Promise<void>;
}

async function freePorts(): Promise<S3Ports> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) return taken.add(port), port;
    }
  };
  return {
    master: await next(), masterGrpc: await next(), volume: await next(), volumeGrpc: await next(),
    filer: await next(), filerGrpc: await next(), s3: await next(), s3Grpc: await next(),
  };
}

/** Weed's output goes to stderr only when MLCYCLE_TEST_S3_LOG is set; build progress always does (it takes minutes). */
function logLine(line: string): void {
  if (process.env.MLCYCLE_TEST_S3_LOG || /SeaweedFS|go: downloading|^S3 (answered|ready)/.test(line)) process.stderr.write(`[s3] ${line}\n`);
}

export async function startTestS3(o: { bucket?: string } = {}): Promise<TestS3> {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-s3-'));
  const options = { dir, bucket: o.bucket ?? 'mlcycle-test', accessKey: 'mlcycle-test-key', secretKey: 'mlcycle-test-secret-0123456789', log: logLine };
  let ports = await freePorts();
  // A port taken by someone else between our check and weed's bind: once more on other ports.
  let server = await startS3Server({ ...options, ports }).catch(async (err: unknown) => {
    process.stderr.write(`test S3 server failed to start (${(err as Error).message.split('\n')[0]}); retrying on other ports\n`);
    ports = await freePorts();
    return startS3Server({ ...options, ports });
  });
  const client = new S3Client({
    endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: options.accessKey, secretAccessKey: options.secretKey },
  });
  const env = {
    MLCYCLE_S3_ENDPOINT: server.endpoint, MLCYCLE_S3_BUCKET: server.bucket, MLCYCLE_S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: options.accessKey, AWS_SECRET_ACCESS_KEY: options.secretKey,
  };
  const test: TestS3 = {
    ...server, dir, ports, env, client,
    stop: (timeoutMs?: number) => server.stop(timeoutMs),
    restart: async () => {
      await server.stop();
      server = await startS3Server({ ...options, ports });
      test.pids = server.pids;
    },
    teardown: async () => {
      client.destroy();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return test;
}
