// The long-life scenario's parts: a monitored model with a rollout on compressed time, the seeded restart plan, a worker's RSS, and workflow chains.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { parsePipeline, type PipelineDefinition } from '../../lib/config/pipeline.js';
import { encodeSnapshot } from '../../lib/data/snapshot.js';
import { tableFromObjects } from '../../lib/data/typing.js';
import { openArtifactStore } from '../../lib/store/artifactsEnv.js';
import { upsertDataset } from '../../lib/store/datasets.js';
import { saveDefinition } from '../../lib/store/definitions.js';
import { deployVersion, type ModelVersionRow } from '../../lib/store/models.js';
import type { PipelineRef } from '../../contracts/steps.js';
import { registerBlessed, TINY_A, TINY_B } from '../e2e/rolloutFixture.js';
import { tinyCard } from '../serving/harness.js';
import type { TestCluster } from '../cluster/harness.js';
import type { Chaos } from './seed.js';
import { MODEL, tinyInstance } from './servingCluster.js';

/** Compressed time: a monitor window every 5 s and a rollout check every 1 s stand for one-minute windows and checks. */
export const WINDOW_SECONDS = 5;
/** The rollout continues as new past this many events (the product's default is 5,000, about 400 checks). */
export const ROLLOUT_EVENT_BUDGET = 1000;

/**
 * The chaos model as a pipeline that serves: champion v1 (trained, by its card, on a reference snapshot the monitor
 * compares windows with), challenger v2 in a rollout that cannot decide (a canary whose minimum samples are never
 * reached, no labels), a monitor every WINDOW_SECONDS, retraining off (a breach opens an incident, starts nothing).
 */
export async function monitoredModel(cluster: TestCluster): Promise<{ pipeline: PipelineDefinition; ref: PipelineRef; v2: ModelVersionRow }> {
  const artifacts = openArtifactStore(cluster.env.artifactDir, { ...process.env, ...cluster.info.clientEnv });
  const reference = tableFromObjects(Array.from({ length: 510 }, (_, i) => ({ ...tinyInstance(i), y: i % 2 ? 'yes' : 'no' })), 'reference');
  const snapshot = await artifacts.put(encodeSnapshot(reference));
  const columns = reference.columns.map((c) => ({ name: c.name, kind: c.kind }));
  await upsertDataset(cluster.db, { id: snapshot.sha256, pipeline: MODEL, source: 'long-life reference', uri: snapshot.uri, rows: reference.rows, columns, profileUri: null });
  const stack = { db: cluster.db, artifacts } as never;
  const v1 = await registerBlessed(stack, MODEL, await readFile(TINY_A), (n, sha, b) => ({ ...tinyCard(n, sha, b), dataset: { id: snapshot.sha256, rows: reference.rows, source: 'long-life reference' } }));
  await deployVersion(cluster.db, MODEL, v1.version, 0, 'long-life champion');
  const v2 = await registerBlessed(stack, MODEL, await readFile(TINY_B));
  const pipeline = parsePipeline({
    name: MODEL, data: { path: 'unused.csv' }, task: 'classification', target: 'y', features: { numeric: ['x1'], categorical: ['color'] },
    search: { space: { logreg: { l2: [0.1] } } },
    monitor: { intervalSeconds: WINDOW_SECONDS, minRows: 20 },
    retrain: { enabled: false },
    rollout: {
      intervalSeconds: 1, alpha: 0.05, minEffect: 0.1, maxSamples: 1_000_000,
      stages: [{ name: 'canary', traffic: 0.2, minSamples: 100_000, maxDurationSeconds: 7200 }],
      guardrails: { minRequests: 20, maxDisagreement: 1, maxPredictionShift: 100, maxP99LatencyMs: 5000 },
    },
  }, 'long-life', '/');
  const ref = await saveDefinition(cluster.db, pipeline, {});
  return { pipeline, ref, v2 };
}

export interface Restart {
  /** Seconds after the previous restart (or the start). */
  afterS: number;
  signal: 'SIGTERM' | 'SIGKILL';
  /** Milliseconds between the old worker's end and its replacement's start. */
  gapMs: number;
}

/** Every restart drawn up front from the seed (so that timing never changes what is drawn): every 60-120 s until `seconds`. */
export function restartPlan(chaos: Chaos, seconds: number): Restart[] {
  const plan: Restart[] = [];
  for (let t = 0; ; ) {
    const afterS = chaos.int(60, 120);
    if ((t += afterS) > seconds - 20) return plan;
    plan.push({ afterS, signal: chaos.pick(['SIGTERM', 'SIGKILL'] as const), gapMs: chaos.int(500, 5000) });
  }
}

/** A process's resident set, in MB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) / 1024;
}

export interface RssSample { atMs: number; mb: number }

/** Samples `pid`'s RSS every `everyMs` until stopped. */
export function sampleRss(pid: number, everyMs: number): { samples: RssSample[]; stop(): void } {
  const start = Date.now();
  const samples: RssSample[] = [{ atMs: 0, mb: rssMb(pid) }];
  const timer = setInterval(() => samples.push({ atMs: Date.now() - start, mb: rssMb(pid) }), everyMs);
  return { samples, stop: () => clearInterval(timer) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Least-squares slope of the samples' MB against windows elapsed, per 100 windows. */
function slopePer100(s: readonly RssSample[]): number {
  const xs = s.map((x) => x.atMs / 1000 / WINDOW_SECONDS);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = s.reduce((a, b) => a + b.mb, 0) / s.length;
  return (100 * xs.reduce((a, x, i) => a + (x - mx) * (s[i].mb - my), 0)) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
}

/** After the warm-up: the first and last thirds' medians, the slope over all of it and over the last third (MB per 100 windows). */
export function rssFigures(samples: readonly RssSample[], warmupMs: number): { firstMb: number; lastMb: number; slope: number; lastSlope: number; samples: number } {
  const s = samples.filter((x) => x.atMs >= warmupMs);
  if (s.length < 6) throw new Error(`only ${s.length} RSS samples after the warm-up`);
  const third = Math.floor(s.length / 3);
  return {
    firstMb: median(s.slice(0, third).map((x) => x.mb)), lastMb: median(s.slice(-third).map((x) => x.mb)),
    slope: slopePer100(s), lastSlope: slopePer100(s.slice(-third)), samples: s.length,
  };
}

export interface ChainRun { runId: string; status: string; events: number; startMs: number }

/** Every run of the executions matching `query` (a workflow id's chain, a type's runs), oldest first, with its history length. */
export async function runsOf(client: Client, query: string): Promise<ChainRun[]> {
  const out: ChainRun[] = [];
  for await (const w of client.workflow.list({ query })) out.push({ runId: w.runId, status: w.status.name, events: w.historyLength, startMs: w.startTime.getTime() });
  return out.sort((a, b) => a.startMs - b.startMs);
}

/** Waits until no execution matching `query` runs (visibility is eventually consistent: two quiet reads in a row). */
export async function quiet(client: Client, query: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (let calm = 0; calm < 2; ) {
    if (Date.now() > until) throw new Error(`executions still running after ${timeoutMs} ms: ${query}`);
    const running = await runsOf(client, `${query} AND ExecutionStatus = 'Running'`);
    calm = running.length === 0 ? calm + 1 : 0;
    await sleep(1000);
  }
}

/** When each activity of `type` was scheduled in one run's history (e.g. a rollout run's checks), ms since the epoch. */
export async function scheduledTimes(client: Client, workflowId: string, runId: string, type: string): Promise<number[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type)
    .map((e) => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6));
}

/** The longest wait between consecutive times, in seconds. */
export function longestGapS(times: readonly number[]): number {
  const s = [...times].sort((a, b) => a - b);
  return s.slice(1).reduce((m, t, i) => Math.max(m, (t - s[i]) / 1000), 0);
}
