// A standalone worker process: connects to TEMPORAL_ADDRESS and DATABASE_URL and runs until SIGINT/SIGTERM.
import { join } from 'node:path';
import { readEnv } from '../lib/config/env.js';
import { openArtifactStore } from '../lib/store/artifactsEnv.js';
import { createDb, migrate } from '../lib/store/db.js';
import { startWorker } from './worker.js';
import { temporalConnectionOptions } from '../temporal/connectionOptions.js';
import { dataConverter } from '../temporal/codec.js';

async function main(): Promise<void> {
  const env = readEnv();
  if (!env.temporalAddress || !env.databaseUrl) {
    throw new Error('a standalone worker needs TEMPORAL_ADDRESS and DATABASE_URL (for everything in one process use `npx mlcycle dev`)');
  }
  // MLCYCLE_S3_*: artifacts in a bucket every machine reaches (checked now: a wrong secret fails here, not mid-run).
  const artifacts = openArtifactStore(env.artifactDir);
  await artifacts.check();
  const db = createDb(env.databaseUrl);
  await migrate(db);
  const worker = await startWorker({
    address: env.temporalAddress,
    namespace: env.temporalNamespace,
    db,
    artifacts,
    cacheDir: join(env.stateDir, 'cache'),
    reportsDir: join(env.stateDir, 'reports'),
    databaseUrl: env.databaseUrl,
    security: temporalConnectionOptions(),
    dataConverter: dataConverter(env.codec?.keys),
  });
  const sealed = env.codec?.keys ? `; payloads encrypted with key "${env.codec.keys.encryptingKeyId}"` : '';
  console.log(`mlcycle worker ${process.pid} polling ${env.temporalAddress} (${env.temporalNamespace})${sealed}`);
  const stop = (): void => void worker.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await worker.done;
  await db.end();
}

main().catch((err: unknown) => {
  console.error(`mlcycle worker: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
