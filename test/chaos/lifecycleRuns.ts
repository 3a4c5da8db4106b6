// The chaos suite's lifecycle runs on the cluster: small seattle-weather searches, their heartbeating trials in flight, and what the histories and the store say of them.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolvePipeline, startLifecycle, type StartedRun } from '../../triggers/client.js';
import { temporalDataConverter } from '../../temporal/connectionOptions.js';
import type { TestCluster } from '../cluster/harness.js';

type Event = temporal.api.history.v1.IHistoryEvent;

/** Starts `n` runs of seattle-weather under distinct names, each a GBDT search of 3 trials (two at a time) long enough to be caught in flight. */
export async function startRuns(c: TestCluster, prefix: string, n: number): Promise<StartedRun[]> {
  const base = await resolvePipeline('seattle-weather');
  const search = { ...base.search, folds: 5, maxParallelTrials: 2, space: { gbdt: { nEstimators: [120], learningRate: [0.1], maxLeaves: [7, 15, 31] } } };
  const runs: StartedRun[] = [];
  for (let i = 0; i < n; i++) runs.push(await startLifecycle(c, { ...base, name: `${prefix}-${i + 1}`, search }, { reason: 'chaos: Temporal outage' }));
  return runs;
}

export interface InFlight {
  workflowId: string;
  activityId: string;
  attempt: number;
}

/** The runTrial activities started and heartbeating now, across the runs (the server's view: describe's pending activities). */
export async function heartbeatingTrials(runs: StartedRun[]): Promise<InFlight[]> {
  const out: InFlight[] = [];
  for (const r of runs) {
    const pending = (await r.handle.describe()).raw.pendingActivities ?? [];
    for (const a of pending) {
      // state 2 = STARTED
      if (a.activityType?.name === 'runTrial' && a.state === 2 && a.lastHeartbeatTime) out.push({ workflowId: r.workflowId, activityId: a.activityId ?? '', attempt: a.attempt ?? 1 });
    }
  }
  return out;
}

/** Waits until no run is RUNNING, riding out the server's absence (a call that fails is tried again). */
export async function settled(runs: StartedRun[], timeoutMs: number): Promise<Map<string, string>> {
  const until = Date.now() + timeoutMs;
  const status = new Map<string, string>();
  while (Date.now() < until) {
    for (const r of runs) {
      const s = await r.handle.describe().then((d) => d.status.name, () => 'RUNNING');
      status.set(r.workflowId, s);
    }
    if ([...status.values()].every((s) => s !== 'RUNNING')) return status;
    await sleep(500);
  }
  return status;
}

export interface Trial {
  trialId: string;
  completed: number;
  attempt: number;
  startedAt: number;
  completedAt: number;
}

export interface TrialFacts {
  /** runTrial activities scheduled, by activity id: trial id, completions, the attempt that completed it, when it started and completed (ms). */
  trials: Map<string, Trial>;
  /** Event times (ms) of workflow and activity task completions: what the run did and when. */
  progressAt: number[];
}

const ms = (t: Event['eventTime']): number => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

/** Reads the run's history (all its runs, through continue-as-new), decoding the trials' inputs with the cluster's codec. */
export async function historyFacts(c: TestCluster, handle: WorkflowHandle): Promise<TrialFacts> {
  const codecs = temporalDataConverter(c.info.clientEnv)?.payloadCodecs ?? [];
  const decode = async (p: Payload): Promise<unknown> => {
    let payloads = [p];
    for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
    return defaultPayloadConverter.fromPayload(payloads[0]);
  };
  const events: Event[] = (await handle.fetchHistory()).events ?? [];
  const trials = new Map<string, Trial>();
  const byScheduled = new Map<string, string>();
  const startOf = new Map<string, { attempt: number; at: number }>();
  const progressAt: number[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'runTrial' && scheduled.input?.payloads?.[0]) {
      const input = (await decode(scheduled.input.payloads[0] as Payload)) as { trial: { trialId: string } };
      trials.set(scheduled.activityId ?? '', { trialId: input.trial.trialId, completed: 0, attempt: 0, startedAt: 0, completedAt: 0 });
      byScheduled.set(String(e.eventId), scheduled.activityId ?? '');
    }
    if (e.activityTaskStartedEventAttributes) startOf.set(String(e.eventId), { attempt: e.activityTaskStartedEventAttributes.attempt ?? 1, at: ms(e.eventTime) });
    const completed = e.activityTaskCompletedEventAttributes;
    const trial = completed ? trials.get(byScheduled.get(String(completed.scheduledEventId)) ?? '') : undefined;
    if (completed && trial) {
      trial.completed++;
      const started = startOf.get(String(completed.startedEventId));
      Object.assign(trial, { attempt: started?.attempt ?? 0, startedAt: started?.at ?? 0, completedAt: ms(e.eventTime) });
    }
    if (completed || e.workflowTaskCompletedEventAttributes) progressAt.push(ms(e.eventTime));
  }
  return { trials, progressAt };
}

export interface StoreFacts {
  /** Model versions registered per pipeline name. */
  versions: Map<string, number>;
  /** trials rows per run, and when each was written (ms), by `run trial`. */
  trialRows: Map<string, number>;
  trialWrittenAt: Map<string, number>;
  /** (run, step) pairs recorded more than once, and failed step records. */
  stepsTwice: string[];
  failedSteps: string[];
  /** deploy audit rows per subject (model@version). */
  deployAudits: Map<string, number>;
}

export async function storeFacts(c: TestCluster, runs: StartedRun[]): Promise<StoreFacts> {
  const names = runs.map((r) => r.pipeline.name);
  const ids = runs.map((r) => r.workflowId);
  const versions = await c.db.query<{ name: string; n: number }>('SELECT name, COUNT(*)::int AS n FROM model_versions WHERE name = ANY($1) GROUP BY name', [names]);
  const trials = await c.db.query<{ run_id: string; n: number }>('SELECT run_id, COUNT(*)::int AS n FROM trials WHERE run_id = ANY($1) GROUP BY run_id', [ids]);
  const written = await c.db.query<{ k: string; at: Date }>("SELECT run_id || ' ' || trial_id AS k, created_at AS at FROM trials WHERE run_id = ANY($1)", [ids]);
  const twice = await c.db.query<{ k: string }>(
    "SELECT run_id || ' ' || step_id AS k FROM step_runs WHERE run_id = ANY($1) AND status <> 'failed' GROUP BY run_id, temporal_run_id, step_id HAVING COUNT(*) > 1", [ids]);
  const failed = await c.db.query<{ k: string }>("SELECT run_id || ' ' || step_id AS k FROM step_runs WHERE run_id = ANY($1) AND status = 'failed'", [ids]);
  const audits = await c.db.query<{ subject: string; n: number }>(
    "SELECT subject, COUNT(*)::int AS n FROM audit_log WHERE action LIKE 'deploy_%' AND split_part(subject, '@', 1) = ANY($1) GROUP BY subject", [names]);
  return {
    versions: new Map(versions.rows.map((r) => [r.name, r.n])),
    trialRows: new Map(trials.rows.map((r) => [r.run_id, r.n])),
    trialWrittenAt: new Map(written.rows.map((r) => [r.k, r.at.getTime()])),
    stepsTwice: twice.rows.map((r) => r.k),
    failedSteps: failed.rows.map((r) => r.k),
    deployAudits: new Map(audits.rows.map((r) => [r.subject, r.n])),
  };
}

/** Worker processes that ended without being told to (a worker must ride out the server's absence). */
export function deadWorkers(c: TestCluster): string[] {
  return c.processes.filter((p) => p.name.startsWith('worker-') && (p.child.exitCode !== null || p.child.signalCode !== null))
    .map((p) => `${p.name} (${p.child.exitCode ?? p.child.signalCode})`);
}
