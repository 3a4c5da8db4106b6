// `mlcycle/client`: the typed client another service installs — Temporal only (no database, worker, serving app or ONNX Runtime).
import { randomBytes } from 'node:crypto';
import { Client, Connection, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type WorkflowHandle } from '@temporalio/client';
import { parseCodecKeys, readCodecKeys } from '../lib/crypto/payloadCipher.js';
import { dataConverter } from '../temporal/codec.js';
import { temporalConnectionOptions, temporalSecurity, type TemporalSecurityValues } from '../temporal/connectionOptions.js';
import { BATCH_SCORE_WORKFLOW, LIFECYCLE_WORKFLOW, TASK_QUEUE, batchScoreWorkflowId, lifecycleWorkflowId, progressQuery, rolloutWorkflowId } from '../contracts/names.js';
import { batchScoreProgressQuery, outputProblem, type BatchScoreInput, type BatchScoreProgress, type BatchScoreResult } from '../contracts/batchScore.js';
import {
  pauseUpdate, promoteUpdate, resumeUpdate, rollbackUpdate, rolloutStateQuery, setTrafficUpdate,
  type RolloutState, type SetTrafficInput, type SteerInput,
} from '../contracts/rollout.js';
import type { DataSource, LifecycleInput, LifecycleProgress, LifecycleResult, PipelineRef } from '../contracts/types.js';

export type { BatchScoreInput, BatchScoreProgress, BatchScoreResult, DataSource, LifecycleInput, LifecycleProgress, LifecycleResult, PipelineRef };
export type { RolloutState, SetTrafficInput, SteerInput, TemporalSecurityValues };
export { LIFECYCLE_WORKFLOW, BATCH_SCORE_WORKFLOW, TASK_QUEUE };

export interface ClientOptions {
  /** host:port of the Temporal frontend; default TEMPORAL_ADDRESS, else localhost:7233. */
  address?: string;
  /** Default TEMPORAL_NAMESPACE, else "default". */
  namespace?: string;
  /** TLS, mTLS or an API key; default the TEMPORAL_API_KEY / TEMPORAL_TLS_* variables (as the worker reads them). */
  security?: TemporalSecurityValues;
  /** The payload codec's keys, `id:base64-of-32-bytes[,…]`; default MLCYCLE_CODEC_KEYS or MLCYCLE_CODEC_KEYS_FILE. */
  codecKeys?: string;
  /** An open connection to use instead (then address and security are not read); close() leaves it open. */
  connection?: Connection;
}

export interface StartRunOptions {
  /** A stored definition (`name@version`, as `mlcycle run` prints it, or a previous result's `pipeline`). */
  pipeline: PipelineRef;
  /** The data: a file the worker can read, a Postgres query, or none for a DAG without ingest. */
  source: DataSource;
  /** The run's data version (its workflow id is `lifecycle:<pipeline>:<dataVersion>`); default a new one from the time. */
  dataVersion?: string;
  /** The data's content hash, when known (a step's cache key uses it); default null. */
  sourceDigest?: string | null;
  reason?: string;
  noCache?: boolean;
}

export interface RunHandle {
  workflowId: string;
  progress(): Promise<LifecycleProgress>;
  result(): Promise<LifecycleResult>;
  /** The SDK's handle, for what this client does not wrap (describe, cancel, history). */
  handle: WorkflowHandle;
}

export interface BatchScoreHandle {
  workflowId: string;
  progress(): Promise<BatchScoreProgress>;
  result(): Promise<BatchScoreResult>;
  handle: WorkflowHandle;
}

/** A model's rollout: its live state, and the Updates a person steers it with (each returns the state after it). */
export interface RolloutHandle {
  workflowId: string;
  state(): Promise<RolloutState>;
  promote(input: SteerInput): Promise<RolloutState>;
  rollback(input: SteerInput): Promise<RolloutState>;
  pause(input: SteerInput): Promise<RolloutState>;
  resume(input: SteerInput): Promise<RolloutState>;
  setTraffic(input: SetTrafficInput): Promise<RolloutState>;
}

export interface MlcycleClient {
  /** The Temporal client underneath (same namespace and codec). */
  temporal: Client;
  startRun(o: StartRunOptions): Promise<RunHandle>;
  run(workflowId: string): RunHandle;
  /** Starts a batch scoring job, or attaches to the running one of the same `jobKey` (default: a new key per call). */
  startBatchScore(input: BatchScoreInput, jobKey?: string): Promise<BatchScoreHandle>;
  batchScore(workflowId: string): BatchScoreHandle;
  rollout(model: string): RolloutHandle;
  close(): Promise<void>;
}

function newSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

/** Refuses what the workflow would fail on later, naming the field. */
function checkBatchScore(input: BatchScoreInput): void {
  if (!input.model) throw new Error('startBatchScore: model is required');
  if (!input.source?.startsWith('/')) throw new Error(`startBatchScore: source must be an absolute path, got "${input.source}"`);
  if (!input.output?.startsWith('/')) throw new Error(`startBatchScore: output must be an absolute path, got "${input.output}"`);
  const problem = outputProblem(input.output, input.format);
  if (problem) throw new Error(`startBatchScore: ${problem}`);
  if (!Number.isInteger(input.chunkRows) || input.chunkRows < 1) throw new Error(`startBatchScore: chunkRows must be a positive integer, got ${input.chunkRows}`);
}

/** Connects to Temporal with the options (or the environment mlcycle's own processes read) and returns the typed client. */
export async function createClient(o: ClientOptions = {}): Promise<MlcycleClient> {
  const address = o.address ?? process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const namespace = o.namespace ?? (process.env.TEMPORAL_NAMESPACE || 'default');
  const cipher = o.codecKeys !== undefined ? parseCodecKeys(o.codecKeys, 'codecKeys') : readCodecKeys();
  const owned = !o.connection;
  const connection =
    o.connection ??
    (await Connection.connect({ ...(o.security ? temporalSecurity(o.security) : temporalConnectionOptions()), address, connectTimeout: 5000 }).catch((err: Error) => {
      throw new Error(`cannot reach Temporal at ${address}: ${err.message}`);
    }));
  const temporal = new Client({ connection, namespace, dataConverter: dataConverter(cipher) });

  const run = (workflowId: string): RunHandle => {
    const handle = temporal.workflow.getHandle(workflowId);
    return { workflowId, handle, progress: () => handle.query(progressQuery), result: () => handle.result() as Promise<LifecycleResult> };
  };
  const batchScore = (workflowId: string): BatchScoreHandle => {
    const handle = temporal.workflow.getHandle(workflowId);
    return { workflowId, handle, progress: () => handle.query(batchScoreProgressQuery), result: () => handle.result() as Promise<BatchScoreResult> };
  };

  return {
    temporal,
    run,
    batchScore,
    async startRun(s) {
      const dataVersion = s.dataVersion ?? `api-${newSuffix()}`;
      const input: LifecycleInput = {
        pipeline: s.pipeline, source: s.source, sourceDigest: s.sourceDigest ?? null, dataVersion, reason: s.reason ?? 'started by a service', noCache: s.noCache ?? false,
      };
      const workflowId = lifecycleWorkflowId(s.pipeline.name, dataVersion);
      await temporal.workflow.start(LIFECYCLE_WORKFLOW, {
        taskQueue: TASK_QUEUE, workflowId, args: [input], workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        staticSummary: `lifecycle of ${s.pipeline.name} (started by a service)`,
      });
      return run(workflowId);
    },
    async startBatchScore(input, jobKey) {
      checkBatchScore(input);
      const workflowId = batchScoreWorkflowId(input.model, jobKey ?? `api-${newSuffix()}`);
      await temporal.workflow.start(BATCH_SCORE_WORKFLOW, {
        taskQueue: TASK_QUEUE, workflowId, args: [input], workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        staticSummary: `batch score of ${input.source} with ${input.model}`,
      });
      return batchScore(workflowId);
    },
    rollout(model) {
      const workflowId = rolloutWorkflowId(model);
      const handle = temporal.workflow.getHandle(workflowId);
      return {
        workflowId,
        state: () => handle.query(rolloutStateQuery),
        promote: (i) => handle.executeUpdate(promoteUpdate, { args: [i] }),
        rollback: (i) => handle.executeUpdate(rollbackUpdate, { args: [i] }),
        pause: (i) => handle.executeUpdate(pauseUpdate, { args: [i] }),
        resume: (i) => handle.executeUpdate(resumeUpdate, { args: [i] }),
        setTraffic: (i) => handle.executeUpdate(setTrafficUpdate, { args: [i] }),
      };
    },
    async close() {
      if (owned) await connection.close();
    },
  };
}
