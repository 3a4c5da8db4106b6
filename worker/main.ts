// A standalone worker process: connects to TEMPORAL_ADDRESS and DATABASE_URL and runs until SIGINT/SIGTERM.
import { join } from 'node:path';
import { readEnv } from '../lib/config/env.js';
import { openArtifactStore } from '../lib/store/artifactsEnv.js';
import { createDb, migrate } from '../lib/store/db.js';
import { startWorker, workflowSourceHash } from './worker.js';
import { temporalConnectionOptions } from '../temporal/connectionOptions.js';
import { dataConverter } from '../temporal/codec.js';

/** MLCYCLE_WORKER_VERSIONING=1: poll as a build of a Worker Deployment (MLCYCLE_DEPLOYMENT_NAME, MLCYCLE_WORKER_BUILD_ID). */
function workerVersioning(e: NodeJS.ProcessEnv): { deploymentName: string; buildId: string } | undefined {
  const on = e.MLCYCLE_WORKER_VERSIONING ?? '';
  if (!['', '0', '1', 'true', 'false'].includes(on)) throw new Error(`MLCYCLE_WORKER_VERSIONING must be 1 or 0, got "${on}"`);
  if (on !== '1' && on !== 'true') return undefined;
  const deploymentName = e.MLCYCLE_DEPLOYMENT_NAME || 'mlcycle';
  // The default build id is the workflow code's hash: a change of workflow code is a new build, by construction.
  const buildId = e.MLCYCLE_WORKER_BUILD_ID || workflowSourceHash();
  for (const [name, value] of [['MLCYCLE_DEPLOYMENT_NAME', deploymentName], ['MLCYCLE_WORKER_BUILD_ID', buildId]]) {
    if (!/^[\w.-]{1,64}$/.test(value)) throw new Error(`${name} must be 1-64 letters, digits, _ . -, got "${value}"`);
  }
  return { deploymentName, buildId };
}

async function main(): Promise<void> {
  const env = readEnv();
  if (!env.temporalAddress || !env.databaseUrl) {
    throw new Error('a standalone worker needs TEMPORAL_ADDRESS and DATABASE_URL (for everything in one process use `npx mlcycle dev`)');
  }
  const versioning = workerVersioning(process.env);
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
    versioning,
    security: temporalConnectionOptions(),
    dataConverter: dataConverter(env.codec?.keys),
  });
  const sealed = env.codec?.keys ? `; payloads encrypted with key "${env.codec.keys.encryptingKeyId}"` : '';
  console.log(`mlcycle worker ${process.pid} polling ${env.temporalAddress} (${env.temporalNamespace})${sealed}${versioning ? `; build ${versioning.buildId} of deployment ${versioning.deploymentName}` : ''}`);
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
