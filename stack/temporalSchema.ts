// Temporal's databases on PostgreSQL (default store and SQL visibility), made and brought up to date by its own SQL tool.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { temporalSchemaDir } from './temporalTools.js';

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export const TEMPORAL_DATABASES = { store: 'temporal', visibility: 'temporal_visibility' } as const;

/** host, port, user and password of a postgres:// URL (the database part is ignored). */
export function postgresTarget(url: string): PostgresTarget {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error(`DATABASE_URL must be a postgres:// URL, got ${u.protocol}`);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

function runTool(tool: string, args: string[], password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // The password goes through the environment, not the command line (ps would show it).
    const child = spawn(tool, args, { env: { ...process.env, SQL_PASSWORD: password }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`temporal-sql-tool ${args.filter((a) => a !== password).join(' ')} failed (exit ${code}):\n${out.slice(-2000)}`))));
  });
}

/** Creates the two databases if missing, installs the base schema once, then applies every newer versioned script. */
export async function ensureTemporalSchemas(sqlTool: string, databaseUrl: string, log: (line: string) => void): Promise<void> {
  const t = postgresTarget(databaseUrl);
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    for (const db of Object.values(TEMPORAL_DATABASES)) {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
      if (exists.rowCount === 0) {
        log(`creating database ${db}`);
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(db)}`);
      }
    }
  } finally {
    await admin.end();
  }
  for (const [which, db] of [['temporal', TEMPORAL_DATABASES.store], ['visibility', TEMPORAL_DATABASES.visibility]] as const) {
    const base = ['--ep', t.host, '-p', String(t.port), '-u', t.user, '--pl', 'postgres12', '--db', db];
    const probe = new pg.Client({ host: t.host, port: t.port, user: t.user, password: t.password, database: db });
    await probe.connect();
    const installed = await probe.query(`SELECT to_regclass('public.schema_version') IS NOT NULL AS present`).finally(() => probe.end());
    if (!installed.rows[0].present) {
      log(`installing Temporal's ${which} schema in ${db}`);
      await runTool(sqlTool, [...base, 'setup-schema', '-v', '0.0'], t.password);
    }
    await runTool(sqlTool, [...base, 'update-schema', '-d', temporalSchemaDir(which)], t.password);
  }
}
