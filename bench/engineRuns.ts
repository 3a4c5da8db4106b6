// Bench helper: start a workflow and measure it by its histories, every run of the id (continue-as-new followed to the close).
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { PipelineInput } from '../lib/config/pipeline.js';
import { startLifecycle, type MlcycleConnection, type StartRunOptions } from '../triggers/client.js';

/** What the histories of a workflow id tell: start → final close, events over every run, how it ended. */
export interface Measured {
  kind: 'ok';
  workflowId: string;
  /** The start call (for mlcycle: checking and storing the definition, then starting), ms. */
  startCallMs: number;
  /** First run's WorkflowExecutionStarted → the last run's closing event, server time, ms. */
  runMs: number;
  events: number;
  runs: number;
}
export type Outcome = Measured | { kind: 'refused' | 'failed' | 'timed out'; message: string };

const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

/** Follows a workflow id's runs from the first through every continue-as-new; sums their events. */
export async function histories(client: Client, workflowId: string, firstRunId: string): Promise<{ startMs: number; closeMs: number; events: number; runs: number; closedBy: string }> {
  let runId = firstRunId;
  let events = 0;
  let runs = 0;
  let startMs = Number.NaN;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const list = history.events ?? [];
    events += list.length;
    runs++;
    if (runs === 1) startMs = ms(list[0]?.eventTime);
    const last = list.at(-1);
    const next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (next) {
      runId = next;
      continue;
    }
    return { startMs, closeMs: ms(last?.eventTime), events, runs, closedBy: String(last?.eventType ?? 'none') };
  }
}

/** Cross-check: the events the visibility store lists for the id (summed historyLength over its runs). */
export async function listedEvents(client: Client, workflowId: string): Promise<number> {
  let sum = 0;
  for await (const w of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) sum += w.historyLength;
  return sum;
}

const firstLine = (err: unknown): string => {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(' ').slice(0, 160);
};

/** Waits for the workflow (following its runs) to close, at most timeoutMs; a run still open then is terminated. */
export async function measure(client: Client, handle: WorkflowHandle, firstRunId: string, startCallMs: number, timeoutMs: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const ended = await Promise.race([handle.result().then(() => 'ok' as const, (err: unknown) => err), timedOut]);
    if (ended === 'timeout') {
      await client.workflow.getHandle(handle.workflowId).terminate('bench timeout').catch(() => undefined);
      return { kind: 'timed out', message: `timed out after ${(timeoutMs / 1000).toFixed(0)} s (terminated)` };
    }
    if (ended !== 'ok') {
      const cause = (ended as { cause?: unknown }).cause;
      return { kind: 'failed', message: firstLine(cause ?? ended) };
    }
  } finally {
    clearTimeout(timer);
  }
  const h = await histories(client, handle.workflowId, firstRunId);
  return { kind: 'ok', workflowId: handle.workflowId, startCallMs, runMs: h.closeMs - h.startMs, events: h.events, runs: h.runs };
}

/** An mlcycle run of a definition; a definition refused before the start is reported as such, not thrown. */
export async function runLifecycle(conn: MlcycleConnection, def: PipelineInput, o: StartRunOptions, timeoutMs: number): Promise<Outcome> {
  const t0 = performance.now();
  let started;
  try {
    started = await startLifecycle(conn, def, o);
  } catch (err) {
    return { kind: 'refused', message: firstLine(err) };
  }
  return measure(conn.client, started.handle, started.runId, performance.now() - t0, timeoutMs);
}
