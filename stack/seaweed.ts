// SeaweedFS as a real S3 server on 127.0.0.1: started with one identity and a bucket, stopped with this process.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PROJECT_ROOT } from '../lib/config/env.js';
import { ensureWeed } from './seaweedBuild.js';

export { buildWeed, ensureWeed, findWeed, SEAWEEDFS_MODULE, SEAWEEDFS_VERSION } from './seaweedBuild.js';

export interface S3Ports {
  master: number;
  masterGrpc: number;
  volume: number;
  volumeGrpc: number;
  filer: number;
  filerGrpc: number;
  s3: number;
  s3Grpc: number;
}

export interface S3ServerOptions {
  /** Its state: volumes, the filer's metadata, the identity file, sockets. Objects survive a restart on the same dir. */
  dir: string;
  /** Every port it listens on, all on 127.0.0.1 (weed's defaults would take port + 10000 for gRPC). */
  ports: S3Ports;
  accessKey: string;
  secretKey: string;
  /** Created when missing. */
  bucket: string;
  /** The binary; absent → found or built (ensureWeed). */
  weed?: string;
  projectRoot?: string;
  /** Every line weed prints, and build progress. */
  log?: (line: string) => void;
  /** How long to wait for S3 to answer (default 60 s). */
  startTimeoutMs?: number;
}

export interface RunningS3Server {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  /** weed server's, then weed volume's. */
  pids: number[];
  /** SIGTERM to each (server, then volume), SIGKILL after `timeoutMs` (default 30 s); about half a second. */
  stop(timeoutMs?: number): Promise<void>;
}

/** The identity file weed's S3 gateway reads: one identity with every action. */
export function s3IdentityConfig(accessKey: string, secretKey: string): string {
  return JSON.stringify({
    identities: [{ name: 'mlcycle', credentials: [{ accessKey, secretKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }],
  }, null, 2);
}

/**
 * weed's arguments, as two processes: `weed server` (master, filer, S3 gateway) and `weed volume`. Apart, they stop in
 * the right order: on SIGTERM the filer flushes its metadata log to a volume server that is still there (in one
 * `weed server` the volume server stops first and the filer waits 15 s before dropping that log). Everything on
 * 127.0.0.1, no telemetry, no side servers (Iceberg, Lance), sockets inside `dir`.
 */
export function weedArgs(o: Pick<S3ServerOptions, 'dir' | 'ports'>): { server: string[]; volume: string[] } {
  const { dir, ports: p } = o;
  const local = ['-ip', '127.0.0.1', '-ip.bind', '127.0.0.1', '-dir', join(dir, 'data')];
  return {
    server: [
      // peers=none: a single master that resumes as leader at once after a restart (else it waits out an election).
      '-logtostderr', 'server', ...local, '-volume=false', '-master.peers=none',
      '-master.port', `${p.master}`, '-master.port.grpc', `${p.masterGrpc}`, '-master.volumeSizeLimitMB', '100', '-master.telemetry=false',
      '-filer', '-filer.port', `${p.filer}`, '-filer.port.grpc', `${p.filerGrpc}`, '-filer.localSocket', join(dir, 'filer.sock'),
      '-s3', '-s3.port', `${p.s3}`, '-s3.port.grpc', `${p.s3Grpc}`, '-s3.config', join(dir, 's3.json'), '-s3.localSocket', join(dir, 's3.sock'),
      '-s3.port.iceberg', '0', '-s3.port.lance', '0',
    ],
    volume: [
      '-logtostderr', 'volume', ...local, '-port', `${p.volume}`, '-port.grpc', `${p.volumeGrpc}`,
      '-mserver', `127.0.0.1:${p.master}.${p.masterGrpc}`, '-max', '0', '-preStopSeconds', '0',
    ],
  };
}

/** The object that proves a write works at start (removed again; artifact keys are hashes, never this). */
const READY_KEY = '.mlcycle-ready';

interface WeedProcess {
  pid: number;
  /** Null while it runs; else how it ended. */
  exited(): string | null;
  /** SIGTERM, SIGKILL after `timeoutMs`; resolves once it is gone. */
  stop(timeoutMs: number): Promise<void>;
}

/** One weed process; its output goes to `onLine`, and it is killed if this process exits first. */
function spawnWeed(weed: string, args: string[], cwd: string, onLine: (line: string) => void): WeedProcess {
  const child = spawn(weed, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const onData = (chunk: Buffer): void => chunk.toString('utf8').split('\n').filter(Boolean).forEach(onLine);
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited: string | null = null;
  const gone = new Promise<void>((resolve) => {
    child.once('error', (err) => ((exited = err.message), resolve()));
    child.once('exit', (code, signal) => ((exited = `exit ${code ?? signal}`), resolve()));
  });
  const killHard = (): void => void child.kill('SIGKILL');
  process.once('exit', killHard);
  return {
    pid: child.pid ?? -1,
    exited: () => exited,
    stop: async (timeoutMs) => {
      process.removeListener('exit', killHard);
      if (exited !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(killHard, timeoutMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

/**
 * Waits until S3 answers with the identity, the bucket exists (created when missing) and takes a write: on a new data
 * folder SeaweedFS holds its first volume allocation for about 10 s, which is paid here rather than by the first put.
 */
async function awaitBucket(o: S3ServerOptions, endpoint: string, failed: () => string | null, log: (line: string) => void): Promise<void> {
  const timeoutMs = o.startTimeoutMs ?? 60_000;
  const started = Date.now();
  const deadline = started + timeoutMs;
  const client = new S3Client({
    endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: o.accessKey, secretAccessKey: o.secretKey }, requestHandler: { connectionTimeout: 1000, requestTimeout: 15_000 },
  });
  try {
    for (let last = '';;) {
      const stopped = failed();
      if (stopped) throw new Error(`weed stopped while starting (${stopped})`);
      if (Date.now() > deadline) throw new Error(`S3 at ${endpoint} did not answer within ${timeoutMs} ms (last: ${last})`);
      try {
        await client.send(new HeadBucketCommand({ Bucket: o.bucket })).catch(async (err: { name?: string }) => {
          if (err.name !== 'NotFound' && err.name !== 'NoSuchBucket') throw err;
          await client.send(new CreateBucketCommand({ Bucket: o.bucket }));
        });
        log(`S3 answered at ${endpoint} after ${Date.now() - started} ms (bucket ${o.bucket})`);
        await client.send(new PutObjectCommand({ Bucket: o.bucket, Key: READY_KEY, Body: 'ready' }));
        await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: READY_KEY }));
        return;
      } catch (err) {
        last = `${(err as Error).name}: ${(err as Error).message}`;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Starts SeaweedFS with an S3 gateway, waits until S3 answers and the bucket exists; stopped with this process. */
export async function startS3Server(o: S3ServerOptions): Promise<RunningS3Server> {
  const log = o.log ?? (() => undefined);
  const weed = o.weed ?? (await ensureWeed(o.projectRoot ?? PROJECT_ROOT, log));
  await mkdir(join(o.dir, 'data'), { recursive: true });
  await writeFile(join(o.dir, 's3.json'), s3IdentityConfig(o.accessKey, o.secretKey), { mode: 0o600 });
  const started = Date.now();
  let tail = '';
  const onLine = (line: string): void => {
    tail = (tail + '\n' + line).slice(-3000);
    log(line);
  };
  const args = weedArgs(o);
  const server = spawnWeed(weed, args.server, o.dir, onLine);
  const volume = spawnWeed(weed, args.volume, o.dir, onLine);
  // The server first (its filer flushes to the volume server), then the volume server.
  const stop = async (timeoutMs = 30_000): Promise<void> => {
    await server.stop(timeoutMs);
    await volume.stop(timeoutMs);
  };
  const endpoint = `http://127.0.0.1:${o.ports.s3}`;
  try {
    await awaitBucket(o, endpoint, () => (server.exited() ? `weed server: ${server.exited()}` : volume.exited() ? `weed volume: ${volume.exited()}` : null), log);
  } catch (err) {
    await stop(5000);
    throw new Error(`${(err as Error).message}:${tail}`);
  }
  log(`S3 ready for writes at ${endpoint} after ${Date.now() - started} ms`);
  return { endpoint, bucket: o.bucket, accessKey: o.accessKey, secretKey: o.secretKey, pids: [server.pid, volume.pid], stop };
}
