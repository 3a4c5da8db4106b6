// The Temporal server's and Web UI's config files for the local cluster: PostgreSQL persistence, ports, optional mTLS.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMPORAL_DATABASES, type PostgresTarget } from './temporalSchema.js';

/** Server certificates for the frontend; with `clientCa`, clients must present a certificate it signed (mTLS). */
export interface ServerTls {
  certFile: string;
  keyFile: string;
  /** The CA that signs client certificates: set → mTLS. */
  clientCaFile?: string;
  /** The CA that signed the server's certificate (the server's own system worker dials the frontend with it). */
  caFile: string;
  /** A client certificate for the server's system worker (needed when mTLS is required). */
  systemWorkerCertFile?: string;
  systemWorkerKeyFile?: string;
  serverName: string;
}

export interface ClusterPorts {
  /** Frontend gRPC: what workers and clients dial. */
  frontend: number;
  ui: number;
  /** Prometheus metrics of the server. */
  metrics: number;
}

/**
 * The server's internal ports, derived from the frontend's. Membership ports must be ≤ 32767 on PostgreSQL (they are
 * stored as smallint: NOTES.md), so they sit below the frontend port.
 */
export function internalPorts(frontend: number): Record<'frontendHttp' | 'history' | 'matching' | 'worker' | 'mFrontend' | 'mHistory' | 'mMatching' | 'mWorker', number> {
  if (frontend < 1400 || frontend > 32700) throw new Error(`the Temporal frontend port must be between 1400 and 32700 (membership ports are derived below it and PostgreSQL stores them as smallint), got ${frontend}`);
  return {
    frontendHttp: frontend + 10, history: frontend + 1, matching: frontend + 2, worker: frontend + 6,
    mFrontend: frontend - 300, mHistory: frontend - 299, mMatching: frontend - 298, mWorker: frontend - 294,
  };
}

function service(grpcPort: number, membershipPort: number, httpPort?: number): Record<string, unknown> {
  return { rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...(httpPort ? { httpPort } : {}) } };
}

/** The server config as an object (YAML is a superset of JSON, so it is written as JSON). */
export function serverConfig(pgTarget: PostgresTarget, ports: ClusterPorts, tls?: ServerTls): Record<string, unknown> {
  const p = internalPorts(ports.frontend);
  const sql = (databaseName: string, maxConns: number): Record<string, unknown> => ({
    sql: {
      pluginName: 'postgres12', databaseName, connectAddr: `${pgTarget.host}:${pgTarget.port}`, connectProtocol: 'tcp',
      user: pgTarget.user, password: pgTarget.password, maxConns, maxIdleConns: maxConns, maxConnLifetime: '1h',
    },
  });
  const global: Record<string, unknown> = {
    membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
    metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` } },
  };
  if (tls) {
    global.tls = {
      frontend: {
        server: { certFile: tls.certFile, keyFile: tls.keyFile, requireClientAuth: Boolean(tls.clientCaFile), ...(tls.clientCaFile ? { clientCaFiles: [tls.clientCaFile] } : {}) },
        client: { serverName: tls.serverName, rootCaFiles: [tls.caFile] },
      },
      // Without this, the server's own system worker cannot reach a TLS frontend ("error reading server preface: EOF").
      systemWorker: {
        ...(tls.systemWorkerCertFile ? { certFile: tls.systemWorkerCertFile, keyFile: tls.systemWorkerKeyFile } : {}),
        client: { serverName: tls.serverName, rootCaFiles: [tls.caFile] },
      },
    };
  }
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default', visibilityStore: 'postgres-visibility', numHistoryShards: 4,
      datastores: { 'postgres-default': sql(TEMPORAL_DATABASES.store, 20), 'postgres-visibility': sql(TEMPORAL_DATABASES.visibility, 4) },
    },
    global,
    services: {
      frontend: service(ports.frontend, p.mFrontend, p.frontendHttp),
      history: service(p.history, p.mHistory),
      matching: service(p.matching, p.mMatching),
      worker: service(p.worker, p.mWorker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false, failoverVersionIncrement: 10, masterClusterName: 'active', currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: 'dynamicconfig.yaml', pollInterval: '10s' },
  };
}

/** Dynamic config: what a small cluster wants beyond the defaults (none needed for Worker Deployments at 1.29). */
/**
 * What a step's hand-offs wait for (bench/ENGINE.md): the worker that completes a workflow task gets the activities it
 * scheduled in the reply, and the history service reads its transfer queue up to 1,000 times a second per shard (the
 * default 20 adds ~50 ms to every hand-off once a burst of ten is spent).
 */
export const ENGINE_LATENCY_CONFIG = {
  'system.enableActivityEagerExecution': [{ value: true, constraints: {} }],
  'history.transferProcessorMaxPollRPS': [{ value: 1000, constraints: {} }],
};

export const DYNAMIC_CONFIG = {
  // Search attributes registered a moment ago are usable at once (tests, the first run after start).
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }],
  ...ENGINE_LATENCY_CONFIG,
};

/** Writes `<dir>/cluster.yaml` and the dynamic config beside it; returns the config dir and env name for `server --config --env`. */
export async function writeServerConfig(dir: string, pgTarget: PostgresTarget, ports: ClusterPorts, tls?: ServerTls): Promise<{ configDir: string; env: string }> {
  await mkdir(dir, { recursive: true });
  const config = serverConfig(pgTarget, ports, tls);
  (config.dynamicConfigClient as { filepath: string }).filepath = join(dir, 'dynamicconfig.yaml');
  await writeFile(join(dir, 'cluster.yaml'), JSON.stringify(config, null, 2), { mode: 0o600 });
  await writeFile(join(dir, 'dynamicconfig.yaml'), JSON.stringify(DYNAMIC_CONFIG, null, 2));
  return { configDir: dir, env: 'cluster' };
}

/** The Web UI server's config: where the frontend is, its port, and the codec endpoint it offers users. */
export async function writeUiConfig(dir: string, o: { frontend: number; ui: number; codecEndpoint?: string; tls?: { caFile: string; certFile?: string; keyFile?: string; serverName: string } }): Promise<string> {
  await mkdir(dir, { recursive: true });
  const config: Record<string, unknown> = {
    temporalGrpcAddress: `127.0.0.1:${o.frontend}`, host: '127.0.0.1', port: o.ui, enableUi: true, cors: { allowOrigins: [`http://127.0.0.1:${o.ui}`] },
    defaultNamespace: 'default',
    ...(o.codecEndpoint ? { codec: { endpoint: o.codecEndpoint, passAccessToken: false, includeCredentials: false } } : {}),
    ...(o.tls ? { tls: { caFile: o.tls.caFile, certFile: o.tls.certFile ?? '', keyFile: o.tls.keyFile ?? '', serverName: o.tls.serverName, enableHostVerification: true } } : {}),
  };
  await writeFile(join(dir, 'ui.yaml'), JSON.stringify(config, null, 2));
  return dir;
}
