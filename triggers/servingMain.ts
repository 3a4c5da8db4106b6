// A standalone serving replica: the scoring API (and the start API) on DATABASE_URL and TEMPORAL_ADDRESS, until SIGINT/SIGTERM.
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { readEnv } from '../lib/config/env.js';
import { createDb, migrate } from '../lib/store/db.js';
import { openLog } from '../stack/logs.js';
import { buildServingApp } from '../serving/app.js';
import { isLoopback } from '../lib/config/auth.js';
import { registerStartApi } from './httpApi.js';
import { openArtifactStore } from '../lib/store/artifactsEnv.js';
import { temporalConnectionOptions, temporalDataConverter } from '../temporal/connectionOptions.js';

async function main(): Promise<void> {
  const env = readEnv();
  if (!env.databaseUrl) throw new Error('a serving replica needs DATABASE_URL (for everything in one process use `npx mlcycle dev`)');
  if (!env.tokens && !isLoopback(env.httpHost)) {
    throw new Error(`serving on ${env.httpHost} needs bearer tokens: set MLCYCLE_TOKENS_FILE or MLCYCLE_TOKENS, or MLCYCLE_HTTP_HOST=127.0.0.1`);
  }
  // Replicas of one machine keep their spill files and logs apart.
  const replica = process.env.MLCYCLE_REPLICA || String(process.pid);
  const db = createDb(env.databaseUrl);
  await migrate(db);
  const serving = await buildServingApp({
    db, artifacts: openArtifactStore(env.artifactDir), loggerInstance: openLog(env.stateDir, `serving-${replica}`), tokens: env.tokens,
    predictionRetentionDays: env.predictionRetentionDays,
    predictionLog: { spillPath: join(env.stateDir, 'spill', `prediction-batches-${replica}.jsonl`) },
    // MLCYCLE_CODEC_KEYS set → /codec/encode and /codec/decode for the Web UI and `temporal --codec-endpoint` (operate role).
    codec: env.codec?.keys ? { cipher: env.codec.keys, corsOrigins: env.codec.corsOrigins } : null,
  });
  // The start API (POST /v1/runs) needs Temporal; a replica without TEMPORAL_ADDRESS only scores.
  let connection: Connection | null = null;
  if (env.temporalAddress) {
    connection = await Connection.connect({ ...temporalConnectionOptions(), address: env.temporalAddress });
    const client = new Client({ connection, namespace: env.temporalNamespace, dataConverter: temporalDataConverter() });
    registerStartApi(serving.app, { client, db, dataRoots: env.dataRoots });
  }
  const url = await serving.app.listen({ host: env.httpHost, port: env.httpPort });
  console.log(`mlcycle serving replica ${replica} (pid ${process.pid}) listening on ${url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await serving.close();
  await connection?.close();
  await db.end();
}

main().catch((err: unknown) => {
  console.error(`mlcycle serving: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
