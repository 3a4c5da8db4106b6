// The production topology on one machine: real Temporal on PostgreSQL, its Web UI, S3, N workers, M serving replicas, a balancer.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { PROJECT_ROOT, type MlcycleEnv } from '../lib/config/env.js';
import { createDb, migrate } from '../lib/store/db.js';
import { startBalancer, type Balancer } from './balancer.js';
import { startClusterTemporal } from './clusterTemporal.js';
import { setCurrentBuild } from './deployments.js';
import { postgresFor, stopList } from './postgres.js';
import { httpOk, startProcess, type ManagedProcess } from './processes.js';
import { startS3Server } from './seaweed.js';
import { stackFile, type StackInfo } from './stackInfo.js';
import type { ServerTls } from './temporalConfig.js';
import { DEFAULT_TOPOLOGY, roleEnv, WORKER_TUNING, type MlcycleRole, type TopologyOptions } from './topology.js';
import { workflowSourceHash } from '../worker/workflowBundle.js';
import { WEBHOOK_SECRET_VAR } from '../lib/crypto/webhookSignature.js';
import { temporalConnectionOptions } from '../temporal/connectionOptions.js';

export interface ClusterTls extends ServerTls {
  /** The client certificate mlcycle's workers, replicas, CLI and the Web UI present (mTLS). */
  clientCertFile: string;
  clientKeyFile: string;
}

export interface ClusterOptions extends Partial<TopologyOptions> {
  env: MlcycleEnv;
  tls?: ClusterTls;
  /** Worker Deployment name; build ids are the workflow code's hash unless MLCYCLE_WORKER_BUILD_ID says otherwise. */
  deploymentName?: string;
  log?: (line: string) => void;
}

export interface ClusterInfo extends StackInfo {
  cluster: true;
  workers: { pid: number; buildId: string }[];
  replicas: { pid: number; url: string }[];
  s3Endpoint: string;
  logDir: string;
  /** The variables a client of this stack needs (TLS paths, codec keys, S3): `mlcycle` commands read them from stack.json. */
  clientEnv: Record<string, string>;
}

export interface Cluster {
  info: ClusterInfo;
  /** Starts one more worker (a deploy of another checkout passes its root and build id). */
  addWorker(o?: { projectRoot?: string; buildId?: string }): Promise<ManagedProcess>;
  /** Starts serving replica `i` (0-based) again after it ended: same port, state folder and spill. */
  restartReplica(i: number): Promise<ManagedProcess>;
  /** Starts the Temporal server again after it ended (killed): same PostgreSQL data, config and ports. */
  restartTemporal(): Promise<ManagedProcess>;
  processes: ManagedProcess[];
  /** The balancer in front of the replicas (requests handed to each). */
  balancer: Balancer;
  stop(): Promise<void>;
}

interface Secrets { codecKey: string; s3AccessKey: string; s3SecretKey: string }

/** Generated once per state folder (mode 0600) and kept: a restart must decrypt old histories and find old objects. */
async function clusterSecrets(dir: string): Promise<Secrets> {
  const path = join(dir, 'secrets.json');
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as Secrets;
  const secrets = { codecKey: randomBytes(32).toString('base64'), s3AccessKey: `mlcycle${randomBytes(6).toString('hex')}`, s3SecretKey: randomBytes(24).toString('base64url') };
  await writeFile(path, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

/** Ports of the cluster's parts, from the env's base ports (tests pass free ones). */
function clusterPorts(env: MlcycleEnv) {
  const t = env.temporalPort;
  return { frontend: t, ui: env.temporalUiPort, metrics: t + 20, s3: t + 40, weedBase: t + 41, replicaBase: env.httpPort + 1, workerMetricsBase: t + 60 };
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const log = o.log ?? (() => undefined);
  const { env } = o;
  const workers = o.workers ?? DEFAULT_TOPOLOGY.workers;
  const replicas = o.replicas ?? DEFAULT_TOPOLOGY.replicas;
  const dir = join(env.stateDir, 'cluster');
  const logDir = join(env.stateDir, 'logs');
  await mkdir(dir, { recursive: true });
  const secrets = await clusterSecrets(dir);
  const ports = clusterPorts(env);
  const processes: ManagedProcess[] = [];
  const { stops, stopAll } = stopList(log);
  try {
    log('starting PostgreSQL');
    const pg = await postgresFor(env);
    stops.push(pg.stop);
    const db = createDb(pg.url, 2);
    await migrate(db).finally(() => db.end());

    const tlsEnv: Record<string, string> = o.tls
      ? { TEMPORAL_TLS_CLIENT_CERT_PATH: o.tls.clientCertFile, TEMPORAL_TLS_CLIENT_KEY_PATH: o.tls.clientKeyFile, TEMPORAL_TLS_SERVER_CA_CERT_PATH: o.tls.caFile, TEMPORAL_TLS_SERVER_NAME: o.tls.serverName }
      : {};
    const temporal = await startClusterTemporal({
      projectRoot: PROJECT_ROOT, dir, logDir, databaseUrl: pg.url, namespace: env.temporalNamespace,
      ports: { frontend: ports.frontend, ui: ports.ui, metrics: ports.metrics }, tls: o.tls,
      uiClientCert: o.tls ? { certFile: o.tls.clientCertFile, keyFile: o.tls.clientKeyFile } : undefined,
      connectionOptions: temporalConnectionOptions({ ...tlsEnv }), codecEndpoint: `http://127.0.0.1:${env.httpPort}/codec`, log,
    });
    // The server's stop keeps its place in the order (after the workers) whichever process is the current one.
    let server = temporal.processes[0];
    stops.push(() => server.stop());
    for (const p of temporal.processes.slice(1)) stops.push(() => p.stop());
    processes.push(...temporal.processes);
    const restartTemporal = async (): Promise<ManagedProcess> => {
      if (server.child.exitCode === null && server.child.signalCode === null) throw new Error(`the Temporal server (pid ${server.child.pid}) is still running`);
      server = await temporal.restartServer();
      processes.push(server);
      return server;
    };

    log(`starting the S3 store on 127.0.0.1:${ports.s3}`);
    const b = ports.weedBase;
    const s3 = await startS3Server({
      dir: join(dir, 's3'), ports: { master: b, masterGrpc: b + 1, volume: b + 2, volumeGrpc: b + 3, filer: b + 4, filerGrpc: b + 5, s3: ports.s3, s3Grpc: b + 6 },
      accessKey: secrets.s3AccessKey, secretKey: secrets.s3SecretKey, bucket: 'mlcycle', projectRoot: PROJECT_ROOT,
      log: (line) => (line.startsWith('building') || line.startsWith('go:') ? log(line) : undefined),
    });
    stops.push(() => s3.stop(5000));

    const common: Record<string, string> = {
      ...tlsEnv, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: env.temporalNamespace, DATABASE_URL: pg.url,
      MLCYCLE_CODEC_KEYS: `k1:${secrets.codecKey}`, MLCYCLE_S3_ENDPOINT: s3.endpoint, MLCYCLE_S3_BUCKET: s3.bucket, MLCYCLE_S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey,
      // The worker's tuning and the webhooks' signing secret are the operator's: the things taken from this shell.
      ...roleEnv('worker', Object.fromEntries([...WORKER_TUNING, WEBHOOK_SECRET_VAR].map((name) => [name, process.env[name]]))),
    };
    const spawnRole = async (role: MlcycleRole, name: string, extra: Record<string, string>, entry: string, ready: (out: () => string) => () => Promise<boolean>, root = PROJECT_ROOT): Promise<ManagedProcess> => {
      let out = '';
      const p = await startProcess({
        name, command: process.execPath, args: ['--import', 'tsx', join(root, entry)], cwd: root, logDir,
        // Only the variables of its role (topology.ts), as a container would get them: nothing leaks in from this shell.
        env: { ...roleEnv(role, { ...common, ...extra, MLCYCLE_STATE_DIR: join(dir, name) }), PATH: process.env.PATH ?? '' },
        ready: ready(() => out), readyTimeoutMs: 120_000, onOutput: (text) => (out = (out + text).slice(-4000)),
      });
      stops.push(() => p.stop());
      processes.push(p);
      return p;
    };
    const deploymentName = o.deploymentName ?? 'mlcycle';
    const workerInfo: { pid: number; buildId: string }[] = [];
    let workerCount = 0;
    const addWorker = async (a: { projectRoot?: string; buildId?: string } = {}): Promise<ManagedProcess> => {
      const i = workerCount++;
      const metrics = `127.0.0.1:${ports.workerMetricsBase + i}`;
      const buildId = a.buildId ?? workflowSourceHash();
      log(`starting worker ${i + 1} (build ${buildId})`);
      const extra = { MLCYCLE_WORKER_VERSIONING: '1', MLCYCLE_DEPLOYMENT_NAME: deploymentName, MLCYCLE_WORKER_METRICS_ADDRESS: metrics };
      const p = await spawnRole('worker', `worker-${i + 1}`, { ...extra, ...(a.buildId ? { MLCYCLE_WORKER_BUILD_ID: a.buildId } : {}) }, 'worker/main.ts', (out) => async () => out().includes('polling'), a.projectRoot);
      workerInfo.push({ pid: p.child.pid ?? 0, buildId });
      return p;
    };
    for (let i = 0; i < workers; i++) await addWorker();
    if (workers > 0) await setCurrentBuild({ address: temporal.address, namespace: env.temporalNamespace, connectionOptions: temporalConnectionOptions(tlsEnv), deploymentName, buildId: workflowSourceHash(), log });

    const replicaInfo: { pid: number; url: string }[] = [];
    // The start API's roots beyond examples/ (which every replica adds itself): where users' pipelines, data and step modules live.
    const dataRoots = env.dataRoots.filter((r) => r !== join(PROJECT_ROOT, 'examples')).join(delimiter);
    const startReplica = async (i: number): Promise<ManagedProcess> => {
      const port = ports.replicaBase + i;
      const url = `http://127.0.0.1:${port}`;
      log(`starting serving replica ${i + 1} on ${url}`);
      const p = await spawnRole('serving', `serving-${i + 1}`, { MLCYCLE_HTTP_HOST: '127.0.0.1', MLCYCLE_HTTP_PORT: String(port), MLCYCLE_REPLICA: String(i + 1), MLCYCLE_CODEC_CORS_ORIGINS: `${temporal.uiUrl},${temporal.uiUrl.replace('127.0.0.1', 'localhost')}`, MLCYCLE_DATA_ROOTS: dataRoots, ...roleEnv('serving', { MLCYCLE_TOKENS: process.env.MLCYCLE_TOKENS, MLCYCLE_CONTINUE_AS_NEW_EVENTS: process.env.MLCYCLE_CONTINUE_AS_NEW_EVENTS }) }, 'triggers/servingMain.ts', () => () => httpOk(`${url}/healthz`));
      replicaInfo[i] = { pid: p.child.pid ?? 0, url };
      return p;
    };
    for (let i = 0; i < replicas; i++) await startReplica(i);
    const restartReplica = async (i: number): Promise<ManagedProcess> => {
      if (i < 0 || i >= replicas) throw new Error(`the cluster has serving replicas 0..${replicas - 1}, not ${i}`);
      const old = processes.find((p) => p.name === `serving-${i + 1}` && p.child.exitCode === null && p.child.signalCode === null);
      if (old) throw new Error(`serving replica ${i} (pid ${old.child.pid}) is still running`);
      return startReplica(i);
    };
    const balancer = await startBalancer(env.httpHost, env.httpPort, replicaInfo.map((_, i) => ports.replicaBase + i));
    stops.push(() => balancer.close());

    const info: ClusterInfo = {
      cluster: true, temporalAddress: temporal.address, namespace: env.temporalNamespace, temporalUiUrl: temporal.uiUrl, databaseUrl: pg.url,
      httpUrl: balancer.url, pid: process.pid, workers: workerInfo, replicas: replicaInfo, s3Endpoint: s3.endpoint, logDir,
      clientEnv: { ...tlsEnv, MLCYCLE_CODEC_KEYS: common.MLCYCLE_CODEC_KEYS, MLCYCLE_S3_ENDPOINT: s3.endpoint, MLCYCLE_S3_BUCKET: s3.bucket, AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey },
    };
    await writeFile(stackFile(env), JSON.stringify(info, null, 2), { mode: 0o600 });
    stops.unshift(() => rm(stackFile(env), { force: true }));
    return { info, addWorker, restartReplica, restartTemporal, processes, balancer, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
