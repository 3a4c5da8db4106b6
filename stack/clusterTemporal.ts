// The local cluster's Temporal: the real server on PostgreSQL, its namespace and search attributes, and the Web UI server.
import { join } from 'node:path';
import Long from 'long';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../contracts/names.js';
import { ensureGoTool } from './goTools.js';
import { httpOk, startProcess, type ManagedProcess } from './processes.js';
import { TEMPORAL_SERVER, TEMPORAL_SQL_TOOL, TEMPORAL_UI_SERVER } from './temporalTools.js';
import { ensureTemporalSchemas, postgresTarget } from './temporalSchema.js';
import { writeServerConfig, writeUiConfig, type ClusterPorts, type ServerTls } from './temporalConfig.js';

export interface ClusterTemporalOptions {
  projectRoot: string;
  dir: string;
  logDir: string;
  databaseUrl: string;
  namespace: string;
  ports: ClusterPorts;
  /** Frontend TLS (mTLS when it names a client CA). */
  tls?: ServerTls;
  /** How clients of this stack dial the frontend (TLS options included). */
  connectionOptions: Omit<ConnectionOptions, 'address'>;
  codecEndpoint?: string;
  /** The UI server's own client certificate, when the frontend requires one. */
  uiClientCert?: { certFile: string; keyFile: string };
  log: (line: string) => void;
}

export interface ClusterTemporal {
  address: string;
  uiUrl: string;
  processes: ManagedProcess[];
  /** Starts the server again (after it ended) on the same config, data and ports; resolves once the frontend answers. */
  restartServer(): Promise<ManagedProcess>;
}

async function frontendHealthy(address: string, options: Omit<ConnectionOptions, 'address'>): Promise<boolean> {
  const connection = await Connection.connect({ ...options, address, connectTimeout: 1000 });
  try {
    await connection.healthService.check({});
    return true;
  } finally {
    await connection.close();
  }
}

/** Registers the namespace (if new) and mlcycle's search attributes; a new namespace takes a moment to be served. */
export async function ensureNamespace(connection: Connection, namespace: string, log: (line: string) => void): Promise<void> {
  const known = await connection.workflowService.describeNamespace({ namespace }).then(() => true, () => false);
  if (!known) {
    log(`registering namespace ${namespace}`);
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(7 * 24 * 3600) } }).catch((err: Error) => {
      if (!/already exists/i.test(err.message)) throw err;
    });
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const existing = await connection.operatorService.listSearchAttributes({ namespace });
      const missing = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !(name in (existing.customAttributes ?? {})));
      if (missing.length) {
        await connection.operatorService.addSearchAttributes({
          namespace, searchAttributes: Object.fromEntries(missing.map((name) => [name, 2 /* KEYWORD */])),
        });
      }
      // The namespace is served once a list query on it answers.
      await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`namespace ${namespace} was not usable within 60 s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Builds (first time), sets up the schemas, starts the server and the UI; stops what it started if a later part fails. */
export async function startClusterTemporal(o: ClusterTemporalOptions): Promise<ClusterTemporal> {
  const server = await ensureGoTool(TEMPORAL_SERVER, o.projectRoot, o.log);
  const sqlTool = await ensureGoTool(TEMPORAL_SQL_TOOL, o.projectRoot, o.log);
  const uiServer = await ensureGoTool(TEMPORAL_UI_SERVER, o.projectRoot, o.log);
  await ensureTemporalSchemas(sqlTool, o.databaseUrl, o.log);
  const { configDir, env } = await writeServerConfig(join(o.dir, 'temporal'), postgresTarget(o.databaseUrl), o.ports, o.tls);
  const address = `127.0.0.1:${o.ports.frontend}`;
  const startServer = (): Promise<ManagedProcess> => {
    o.log(`starting the Temporal server on ${address}`);
    return startProcess({
      name: 'temporal', command: server, args: ['--root', configDir, '--config', '.', '--env', env, '--allow-no-auth', 'start'],
      logDir: o.logDir, ready: () => frontendHealthy(address, o.connectionOptions), readyTimeoutMs: 90_000,
    });
  };
  const temporal = await startServer();
  const processes = [temporal];
  try {
    const connection = await Connection.connect({ ...o.connectionOptions, address });
    try {
      await ensureNamespace(connection, o.namespace, o.log);
    } finally {
      await connection.close();
    }
    const uiDir = await writeUiConfig(join(o.dir, 'ui'), {
      frontend: o.ports.frontend, ui: o.ports.ui, codecEndpoint: o.codecEndpoint,
      tls: o.tls ? { caFile: o.tls.caFile, certFile: o.uiClientCert?.certFile, keyFile: o.uiClientCert?.keyFile, serverName: o.tls.serverName } : undefined,
    });
    o.log(`starting the Temporal Web UI on http://127.0.0.1:${o.ports.ui}`);
    processes.push(await startProcess({
      name: 'temporal-ui', command: uiServer, args: ['--root', uiDir, '--config', '.', '--env', 'ui', 'start'], logDir: o.logDir,
      ready: () => httpOk(`http://127.0.0.1:${o.ports.ui}/api/v1/settings`), readyTimeoutMs: 30_000,
    }));
  } catch (err) {
    for (const p of processes.reverse()) await p.stop();
    throw err;
  }
  return { address, uiUrl: `http://127.0.0.1:${o.ports.ui}`, processes, restartServer: startServer };
}
