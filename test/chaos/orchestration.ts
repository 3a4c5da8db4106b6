// The orchestration load's pipelines (no-op user steps: a small fan-out/fan-in, and a 1,000-step DAG) and what their histories say of them.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import proto, { type temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { PROJECT_ROOT } from '../../lib/config/env.js';

type Event = temporal.api.history.v1.IHistoryEvent;
type Step = { id: string; uses: string; needs: string[]; with: Record<string, unknown> };

/** A step module a user would write: `orch-noop` does nothing (no cache, so that every run executes it). */
export async function writeNoopModule(dir: string): Promise<string> {
  const file = join(dir, 'steps.ts');
  await writeFile(file, `import { defineStep } from ${JSON.stringify(join(PROJECT_ROOT, 'lib/steps/define.ts'))};
export const noop = defineStep({ name: 'orch-noop', description: 'does nothing', cache: false, async run() { return { summary: '' }; } });
`);
  return file;
}

const step = (id: string, needs: string[] = []): Step => ({ id, uses: 'orch-noop', needs, with: {} });

/** The small pipeline: one step, two beside each other after it, one after both (no data, no model, no rollout). */
export function smallSteps(): Step[] {
  return [step('start'), step('left', ['start']), step('right', ['start']), step('end', ['left', 'right'])];
}

/**
 * `n` steps: a root, `groups` groups of leaves that need it (fan-out), a join per group (a step needs at most 64), an end
 * that needs the joins (fan-in). The leaves are spread over the groups so that the total is exactly `n`.
 */
export function fanDag(n: number, groups: number): Step[] {
  const leaves = n - 2 - groups;
  const steps: Step[] = [step('root')];
  const joins: string[] = [];
  for (let g = 0; g < groups; g++) {
    const size = Math.floor(leaves / groups) + (g < leaves % groups ? 1 : 0);
    const ids = Array.from({ length: size }, (_, i) => `leaf-${g}-${i}`);
    steps.push(...ids.map((id) => step(id, ['root'])), step(`join-${g}`, ids));
    joins.push(`join-${g}`);
  }
  steps.push(step('end', joins));
  return steps;
}

const ms = (t: Event['eventTime']): number => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

export interface ChainFacts {
  /** Temporal runs of the workflow id (1 + continuations). */
  runs: number;
  events: number;
  bytes: number;
  /** executeStep activities: schedule-to-close per completion (ms), start-to-close (the step itself, in its thread), and completions. */
  overheads: number[];
  running: number[];
  completions: number;
  /** The chain's first event and its last run's closing event (ms since the epoch); closed with COMPLETED. */
  startedAt: number;
  closedAt: number;
  completed: boolean;
  /** The largest continue-as-new input (the carry), bytes: what meets the 2 MB payload limit. */
  carryBytes: number;
}

/** Every run of the workflow id (following continue-as-new), its histories as the server stores them (encoded, encrypted payloads). */
export async function chainFacts(client: Client, workflowId: string): Promise<ChainFacts> {
  const runIds: { runId: string; start: number }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runIds.push({ runId: w.runId, start: w.startTime.getTime() });
  runIds.sort((a, b) => a.start - b.start);
  const facts: ChainFacts = { runs: runIds.length, events: 0, bytes: 0, overheads: [], running: [], completions: 0, startedAt: 0, closedAt: 0, completed: false, carryBytes: 0 };
  for (const [i, r] of runIds.entries()) {
    const history = await client.workflow.getHandle(workflowId, r.runId).fetchHistory();
    const events: Event[] = history.events ?? [];
    facts.events += events.length;
    facts.bytes += proto.temporal.api.history.v1.History.encode(history).finish().length;
    const scheduled = new Map<string, number>();
    const started = new Map<string, number>();
    for (const e of events) {
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'executeStep') scheduled.set(String(e.eventId), ms(e.eventTime));
      if (e.activityTaskStartedEventAttributes) started.set(String(e.eventId), ms(e.eventTime));
      const done = e.activityTaskCompletedEventAttributes;
      const at = done ? scheduled.get(String(done.scheduledEventId)) : undefined;
      if (done && at !== undefined) {
        facts.overheads.push(ms(e.eventTime) - at);
        facts.running.push(ms(e.eventTime) - (started.get(String(done.startedEventId)) ?? at));
        facts.completions++;
      }
      const carry = e.workflowExecutionContinuedAsNewEventAttributes?.input;
      if (carry) facts.carryBytes = Math.max(facts.carryBytes, proto.temporal.api.common.v1.Payloads.encode(carry).finish().length);
    }
    if (i === 0) facts.startedAt = ms(events[0]?.eventTime);
    if (i === runIds.length - 1) {
      const last = events[events.length - 1];
      facts.closedAt = ms(last?.eventTime);
      facts.completed = Boolean(last?.workflowExecutionCompletedEventAttributes);
    }
  }
  return facts;
}

export const median = (xs: number[]): number => quantileOf(xs, 0.5);

/** The q-quantile (nearest rank) of the values; 0 for none. */
export function quantileOf(xs: number[], q: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
