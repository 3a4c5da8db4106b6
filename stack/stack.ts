// The embedded dev stack: Temporal (dev server or TEMPORAL_ADDRESS), Postgres (embedded or DATABASE_URL), worker, serving API.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { PROJECT_ROOT, type MlcycleEnv } from '../lib/config/env.js';
import type { ArtifactStore } from '../lib/store/artifacts.js';
import { openArtifactStore } from '../lib/store/artifactsEnv.js';
import { createDb, migrate, type Db } from '../lib/store/db.js';
import { buildServingApp } from '../serving/app.js';
import { isLoopback } from '../lib/config/auth.js';
import { openLog } from './logs.js';
import { SEARCH_ATTRIBUTES } from '../contracts/names.js';
import { postgresFor, stopList } from './postgres.js';
import { ensureTemporalCli } from './temporalCli.js';
import { startDevServer, startDownloadedServer, type RunningTemporal } from './temporalServer.js';
import { startWorker, type RunningWorker } from '../worker/worker.js';
import { temporalConnectionOptions } from '../temporal/connectionOptions.js';
import { dataConverter } from '../temporal/codec.js';
import { stackFile, type StackInfo } from './stackInfo.js';

export { PROJECT_ROOT };
export { stackFile, type StackInfo };

export interface Stack {
  info: StackInfo;
  db: Db;
  artifacts: ArtifactStore;
  client: Client;
  app: FastifyInstance | null;
  worker: RunningWorker | null;
  stop(): Promise<void>;
}

export interface StackOptions {
  env: MlcycleEnv;
  /** Run a worker in this process (tests of worker crashes run it in a child instead). */
  worker?: boolean;
  /** Serve the HTTP API. */
  serve?: boolean;
  /** Adds routes to the serving app before it listens (the CLI adds the start API of triggers/). */
  extendApp?: (app: FastifyInstance, conn: { client: Client; db: Db; dataRoots: string[] }) => void;
  log?: (line: string) => void;
  /** Where MLCYCLE_S3_* and AWS_* are read for the artifact store (default process.env). */
  processEnv?: NodeJS.ProcessEnv;
}

async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.keys(SEARCH_ATTRIBUTES).filter((name) => !(name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((name) => [name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
  });
}

async function startTemporal(env: MlcycleEnv, log: (line: string) => void): Promise<RunningTemporal> {
  if (env.temporalAddress) {
    return { address: env.temporalAddress, namespace: env.temporalNamespace, uiUrl: null, stop: async () => undefined };
  }
  const cli = await ensureTemporalCli(PROJECT_ROOT, log);
  if (!cli) {
    log('no Temporal CLI and no Go: letting the SDK download a dev server (needs internet)');
    return startDownloadedServer(env.temporalNamespace);
  }
  return startDevServer({
    cli,
    stateDir: env.stateDir,
    port: env.temporalPort,
    uiPort: env.temporalUiPort,
    namespace: env.temporalNamespace,
    searchAttributes: SEARCH_ATTRIBUTES,
    log: () => undefined,
  });
}

/** Starts every part; on failure, stops what had started. Stop in reverse order. */
export async function startStack(o: StackOptions): Promise<Stack> {
  const log = o.log ?? (() => undefined);
  const { env } = o;
  // Without tokens the HTTP API is open: only this machine may reach it. Checked before anything starts.
  if (o.serve !== false && !env.tokens && !isLoopback(env.httpHost)) {
    throw new Error(`serving on ${env.httpHost} needs bearer tokens: set MLCYCLE_TOKENS_FILE or MLCYCLE_TOKENS (README: Authentication), or MLCYCLE_HTTP_HOST=127.0.0.1`);
  }
  // A cluster named by TEMPORAL_ADDRESS gets TLS / API key from the environment (checked before anything starts);
  // the dev server started here is plaintext on loopback. The codec, when keys are configured, applies to both.
  const security = env.temporalAddress ? temporalConnectionOptions() : {};
  const converter = dataConverter(env.codec?.keys);
  await mkdir(env.stateDir, { recursive: true });
  const { stops, stopAll } = stopList(log);
  try {
    // PostgreSQL and Temporal start side by side; whichever started is stopped if the other fails.
    log('starting PostgreSQL and Temporal');
    const [pgStarted, temporalStarted] = await Promise.allSettled([postgresFor(env), startTemporal(env, log)]);
    if (pgStarted.status === 'fulfilled') stops.push(pgStarted.value.stop);
    if (temporalStarted.status === 'fulfilled') stops.push(temporalStarted.value.stop);
    if (pgStarted.status === 'rejected') throw pgStarted.reason;
    if (temporalStarted.status === 'rejected') throw temporalStarted.reason;
    const pg = pgStarted.value;
    const temporal = temporalStarted.value;
    const db = createDb(pg.url);
    stops.push(() => db.end());
    const applied = await migrate(db);
    if (applied.length) log(`applied migrations: ${applied.join(', ')}`);
    const artifacts = openArtifactStore(env.artifactDir, o.processEnv);
    await artifacts.check();

    const connection = await Connection.connect({ ...security, address: temporal.address });
    stops.push(() => connection.close());
    await registerSearchAttributes(connection, temporal.namespace);
    const client = new Client({ connection, namespace: temporal.namespace, dataConverter: converter });

    let worker: RunningWorker | null = null;
    if (o.worker !== false) {
      log('starting the worker');
      worker = await startWorker({ address: temporal.address, namespace: temporal.namespace, db, artifacts, cacheDir: join(env.stateDir, 'cache'), reportsDir: join(env.stateDir, 'reports'), databaseUrl: pg.url, quietFailures: true, log: openLog(env.stateDir, 'worker'), security, dataConverter: converter });
      const running = worker;
      stops.push(() => running.stop());
    }

    let app: FastifyInstance | null = null;
    let httpUrl: string | null = null;
    if (o.serve !== false) {
      // Requests, swaps, and every failure (a prediction-log write that Postgres refused, a challenger that failed to score).
      const serving = await buildServingApp({
        db, artifacts, loggerInstance: openLog(env.stateDir, 'serving'), tokens: env.tokens, predictionRetentionDays: env.predictionRetentionDays, aggregateFlushMs: env.aggregateFlushMs,
        // While PostgreSQL is away, predictions spill here and are replayed when it is back.
        predictionLog: { spillPath: join(env.stateDir, 'spill', 'prediction-batches.jsonl') },
        codec: env.codec?.keys ? { cipher: env.codec.keys, corsOrigins: env.codec.corsOrigins } : null,
      });
      o.extendApp?.(serving.app, { client, db, dataRoots: env.dataRoots });
      stops.push(() => serving.close());
      httpUrl = await serving.app.listen({ host: env.httpHost, port: env.httpPort });
      app = serving.app;
    }

    const info: StackInfo = {
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      temporalUiUrl: temporal.uiUrl,
      databaseUrl: pg.url,
      httpUrl,
      pid: process.pid,
    };
    await writeFile(stackFile(env), JSON.stringify(info, null, 2));
    stops.unshift(() => rm(stackFile(env), { force: true }));
    return { info, db, artifacts, client, app, worker, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
