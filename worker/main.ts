// A standalone worker process: connects to TEMPORAL_ADDRESS and DATABASE_URL and runs until SIGINT/SIGTERM.
import { join } from 'node:path';
import { readEnv } from '../lib/config/env.js';
import { ArtifactStore } from '../lib/store/artifacts.js';
import { createDb, migrate } from '../lib/store/db.js';
import { startWorker } from './worker.js';
import { temporalConnectionOptions } from '../temporal/connectionOptions.js';
import { dataConverter } from '../temporal/codec.js';

async function main(): Promise<void> {
  const env = readEnv();
  if (!env.temporalAddress || !env.databaseUrl) {
    throw new Error('a standalone worker needs TEMPORAL_ADDRESS and DATABASE_URL (for everything in one process use `npx mlcycle dev`)');
  }
  const db = createDb(env.databaseUrl);
  await migrate(db);
  const worker = await startWorker({
    address: env.temporalAddress,
    namespace: env.temporalNamespace,
    db,
    artifacts: new ArtifactStore(env.artifactDir),
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
