// Where things are: the environment variables mlcycle reads, with the embedded defaults.
import { delimiter, resolve } from 'node:path';
import { readTokens, type AuthToken } from './auth.js';
import { readCodecConfig, type CodecConfig } from './codec.js';
import { fileURLToPath } from 'node:url';

/** The project's root: the default home of the git-ignored state folder, wherever the command runs from. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface MlcycleEnv {
  /** Project-local, git-ignored folder for the embedded services' state. */
  stateDir: string;
  artifactDir: string;
  /** Set → use this Temporal cluster; unset → start the local dev server. */
  temporalAddress: string | undefined;
  temporalNamespace: string;
  temporalPort: number;
  temporalUiPort: number;
  /** Set → use this Postgres; unset → start the embedded one. */
  databaseUrl: string | undefined;
  postgresPort: number;
  httpPort: number;
  httpHost: string;
  /** Bearer tokens of the HTTP API; null → none configured (allowed only on a loopback host). */
  tokens: AuthToken[] | null;
  /** Folders the HTTP start API may read pipelines, data and step modules from (realpaths checked). */
  dataRoots: string[];
  /** Days of logged predictions kept (whole UTC days); null → kept forever. Absent → 90. */
  predictionRetentionDays?: number | null;
  /** How often a replica writes its drift aggregates (ms); absent → 10 s. Tests use less. */
  aggregateFlushMs?: number;
  /** Payload encryption keys and the codec endpoint's CORS origins (lib/config/codec.ts); absent → no codec. */
  codec?: CodecConfig;
}

/** MLCYCLE_PREDICTION_RETENTION_DAYS: a positive number of days (default 90), or "forever". */
function retentionVar(env: NodeJS.ProcessEnv): number | null {
  const raw = env.MLCYCLE_PREDICTION_RETENTION_DAYS;
  if (raw === undefined || raw === '') return 90;
  if (raw === 'forever') return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`MLCYCLE_PREDICTION_RETENTION_DAYS must be a positive number of days or "forever", got "${raw}"`);
  return value;
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  }
  return value;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): MlcycleEnv {
  const stateDir = env.MLCYCLE_STATE_DIR ? resolve(cwd, env.MLCYCLE_STATE_DIR) : resolve(PROJECT_ROOT, '.state');
  return {
    stateDir,
    artifactDir: resolve(cwd, env.MLCYCLE_ARTIFACT_DIR || `${stateDir}/artifacts`),
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    temporalPort: intVar(env, 'MLCYCLE_TEMPORAL_PORT', 7233),
    temporalUiPort: intVar(env, 'MLCYCLE_TEMPORAL_UI_PORT', 8233),
    databaseUrl: env.DATABASE_URL || undefined,
    postgresPort: intVar(env, 'MLCYCLE_POSTGRES_PORT', 54329),
    httpPort: intVar(env, 'MLCYCLE_HTTP_PORT', 8787),
    httpHost: env.MLCYCLE_HTTP_HOST || '127.0.0.1',
    tokens: readTokens(env),
    dataRoots: [resolve(PROJECT_ROOT, 'examples'), ...(env.MLCYCLE_DATA_ROOTS ?? '').split(delimiter).filter(Boolean).map((r) => resolve(cwd, r))],
    predictionRetentionDays: retentionVar(env),
    codec: readCodecConfig(env),
  };
}
