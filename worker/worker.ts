// The Temporal worker: registers the workflows (bundled once, cached by source hash: workflowBundle.ts) and the activities.
import { availableParallelism } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { workflowBundle } from './workflowBundle.js';
import { webhookSecrets } from '../lib/crypto/webhookSignature.js';
import type { Logger } from 'pino';
import type { DataConverter } from '@temporalio/common';
import type { TemporalSecurity } from '../temporal/connectionOptions.js';
import { createActivities } from '../activities/index.js';
import { artifactFailureInterceptor } from '../activities/artifactFailures.js';
import { createTrainingPool } from '../activities/trainingPool.js';
import { lazyScoringPool } from '../activities/batchScoringPool.js';
import type { ArtifactStore } from '../lib/store/artifacts.js';
import type { Db } from '../lib/store/db.js';
import { TASK_QUEUE, TRAINING_TASK_QUEUE } from '../contracts/names.js';
import { IllegalStateError } from '@temporalio/common';
import { WORKER_METRICS_VAR, workerMetricsAddress } from '../lib/config/workerMetrics.js';

export { workflowBundle, workflowSourceHash } from './workflowBundle.js';

let runtimeInstalled = false;
/**
 * Keeps the SDK's core quiet on the terminal unless something is wrong. An embedded worker (dev, demo, tests) also
 * leaves out the SDK's "Activity failed" / "Workflow failed" lines there: those failures are in the run, `mlcycle
 * status` and the Web UI. With a log (the stack's <state>/logs/worker.log), every line at its level goes to it too.
 */
function installRuntime(quietFailures: boolean, log: Logger | undefined): void {
  if (runtimeInstalled) return;
  // The SDK's runtime metrics (task slots, schedule-to-start latency, sticky cache, polls) for Prometheus, when asked for.
  const metricsAddress = workerMetricsAddress();
  runtimeInstalled = true;
  const toLog = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error', message: string, meta?: Record<string, unknown>): void => {
    log?.[level]({ ...meta, source: 'temporal' }, message);
  };
  try {
    Runtime.install({ telemetryOptions: metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : undefined, logger: new (class {
      log(level: string, message: string, meta?: Record<string, unknown>): void {
        const l = level.toLowerCase();
        toLog(l === 'trace' || l === 'debug' || l === 'warn' || l === 'error' ? l : 'info', message, meta);
      }
      trace(message: string, meta?: Record<string, unknown>): void { toLog('trace', message, meta); }
      debug(message: string, meta?: Record<string, unknown>): void { toLog('debug', message, meta); }
      info(message: string, meta?: Record<string, unknown>): void { toLog('info', message, meta); }
      warn(message: string, meta?: Record<string, unknown>): void {
        toLog('warn', message, meta);
        // The training worker has no workflows on purpose.
        if (message.startsWith('No workflows registered')) return;
        if (quietFailures && (message === 'Activity failed' || message === 'Workflow failed')) return;
        process.stderr.write(`[temporal] ${message}\n`);
      }
      error(message: string, meta?: Record<string, unknown>): void {
        toLog('error', message, meta);
        process.stderr.write(`[temporal] ${message}\n`);
      }
    })() });
  } catch (err) {
    // Already installed by someone else in this process is fine; a metrics address that cannot be bound is not.
    if (!(err instanceof IllegalStateError)) throw new Error(`${WORKER_METRICS_VAR}=${metricsAddress}: the worker's metrics endpoint could not start: ${(err as Error).message}`);
  }
}

export interface WorkerOptions {
  address: string;
  namespace: string;
  db: Db;
  artifacts: ArtifactStore;
  cacheDir: string;
  reportsDir: string;
  databaseUrl: string;
  /** Leave the SDK's per-failure warnings out of stderr (the embedded stack). */
  quietFailures?: boolean;
  /** Structured log of the SDK's lines (JSON, pino). */
  log?: Logger;
  /** TLS / mTLS / API key of a secured cluster (temporal/connectionOptions.ts); absent → plaintext. */
  security?: TemporalSecurity;
  /** The payload codec (temporal/codec.ts), for the worker and its client alike; absent → payloads in clear. */
  dataConverter?: DataConverter;
  /**
   * Worker Versioning: this worker polls as `buildId` of the Worker Deployment `deploymentName`, and every run is pinned
   * to the build that started it (a deploy never replays a run on new code; the old build drains). Absent → unversioned
   * (the embedded dev stack).
   */
  versioning?: { deploymentName: string; buildId: string };
}

export interface RunningWorker {
  /** Resolves when the worker stops; rejects if it crashes. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Activities of the main queue one worker runs at once (user steps, ingest, validation…): MLCYCLE_WORKER_ACTIVITIES, default 64. */
function mainQueueSlots(): number {
  const raw = process.env.MLCYCLE_WORKER_ACTIVITIES;
  if (raw === undefined || raw === '') return 64;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error(`MLCYCLE_WORKER_ACTIVITIES must be an integer from 1 to 10000, got "${raw}"`);
  return n;
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  // A webhook secret that is set but unusable stops the worker here, not at its first alert.
  webhookSecrets();
  installRuntime(o.quietFailures === true, o.log);
  const connection = await NativeConnection.connect({ ...o.security, address: o.address });
  const clientConnection = await Connection.connect({ ...o.security, address: o.address });
  const client = new Client({ connection: clientConnection, namespace: o.namespace, dataConverter: o.dataConverter });
  // One training thread per core, as many as the training queue runs trials at once; started by the first task.
  const training = createTrainingPool({ threads: availableParallelism() });
  const batchScoring = lazyScoringPool();
  const activities = createActivities({
    db: o.db, artifacts: o.artifacts, temporal: client, taskQueue: TASK_QUEUE, reportsDir: o.reportsDir, databaseUrl: o.databaseUrl, training, batchScoring,
  });
  // Heartbeats reach the server at least every 2 s (not 0.8 × the heartbeat timeout), so a cancellation reaches a step promptly.
  const common = { connection, namespace: o.namespace, dataConverter: o.dataConverter, activities, interceptors: { activity: [artifactFailureInterceptor] }, shutdownGraceTime: '5 seconds' as const, maxHeartbeatThrottleInterval: '2 seconds' as const };
  const deployment = o.versioning
    ? { workerDeploymentOptions: { useWorkerVersioning: true as const, version: o.versioning, defaultVersioningBehavior: 'PINNED' as const } }
    : {};
  const workers = [
    await Worker.create({ ...common, ...deployment, taskQueue: TASK_QUEUE, workflowBundle: await workflowBundle(o.cacheDir), maxConcurrentActivityTaskExecutions: mainQueueSlots() }),
    // Training is CPU-bound: at most one trial per core on this process.
    await Worker.create({ ...common, ...deployment, taskQueue: TRAINING_TASK_QUEUE, maxConcurrentActivityTaskExecutions: Math.max(1, availableParallelism()) }),
  ];
  const done = Promise.all(workers.map((w) => w.run())).then(
    async () => {
      await training.close();
      await batchScoring.close();
      await clientConnection.close();
      await connection.close();
    },
    async (err: unknown) => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await training.close().catch(() => undefined);
      await batchScoring.close().catch(() => undefined);
      await clientConnection.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      throw err;
    },
  );
  return {
    done,
    stop: async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}
