// The replay corpus: its manifest, what a recorded history covers, and replaying every history on the current workflow code.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { PROJECT_ROOT } from '../lib/config/env.js';
import { workflowBundle } from '../worker/worker.js';

export type History = proto.temporal.api.history.v1.IHistory;
const { History: HistoryMessage } = proto.temporal.api.history.v1;
const { EventType } = proto.temporal.api.enums.v1;

export const HISTORIES_DIR = join(PROJECT_ROOT, 'test/fixtures/histories');
export const MANIFEST = join(HISTORIES_DIR, 'manifest.json');
export const RECORD_COMMAND = 'npm run record-histories';

const outcomes = ['completed', 'failed', 'continued-as-new', 'cancelled', 'terminated', 'timed-out'] as const;
export type Outcome = (typeof outcomes)[number];

/** What a history must show; the recorder refuses a history that does not, and the replay test checks it again. */
export const coversSchema = z.object({
  /** In a sentence: the path through the workflow code this history pins. */
  about: z.string().min(1),
  /** How the run ended. */
  outcome: z.enum(outcomes),
  /** Activity types that must have been scheduled. */
  activities: z.array(z.string()).optional(),
  /** Accepted Update names, exactly and in order (refused Updates leave no event). */
  updates: z.array(z.string()).optional(),
  /** Workflow types started as children. */
  childWorkflows: z.array(z.string()).optional(),
  /** Other event types that must appear, without the EVENT_TYPE_ prefix (e.g. ACTIVITY_TASK_CANCEL_REQUESTED). */
  events: z.array(z.string().refine((n) => `EVENT_TYPE_${n}` in EventType, { message: 'not a history event type (see temporal.api.enums.v1.EventType)' })).optional(),
});
export type Covers = z.infer<typeof coversSchema>;

export const entrySchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9@._-]*$/, 'lower-case letters, digits, @ . _ -'),
  workflowType: z.string(),
  workflowId: z.string(),
  runId: z.string(),
  covers: coversSchema,
  /** The test file that records it. */
  recordedBy: z.string(),
  recordedAt: z.string(),
  /** HEAD at recording (uncommitted workflow changes show only in workflowCode). */
  commit: z.string(),
  /** The hash of the workflow code that made it (workflowCodeHash): which code a history pins, uncommitted changes included. */
  workflowCode: z.string(),
  events: z.number().int(),
  bytes: z.number().int(),
  /** Set when a newer recording of the same scenario took its name: kept while runs of its age may be in flight. */
  supersededAt: z.string().optional(),
});
export type CorpusEntry = z.infer<typeof entrySchema>;
const manifestSchema = z.object({ about: z.string(), histories: z.array(entrySchema) });

export const historyFile = (name: string): string => join(HISTORIES_DIR, `${name}.history.pb`);
export const recordCommandFor = (entry: Pick<CorpusEntry, 'recordedBy'>): string => `MLCYCLE_RECORD_HISTORY=1 npx tsx --test ${entry.recordedBy}`;

export async function readManifest(): Promise<CorpusEntry[]> {
  if (!existsSync(MANIFEST)) return [];
  const parsed = manifestSchema.safeParse(JSON.parse(await readFile(MANIFEST, 'utf8')));
  if (!parsed.success) throw new Error(`${MANIFEST} is not a valid manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data.histories;
}

export function manifestText(histories: CorpusEntry[]): string {
  const about = `Recorded workflow histories, replayed on the current workflow code by test/unit/replay-history.test.ts. Written by test/histories.ts (${RECORD_COMMAND}); see README "Changing workflow code".`;
  return `${JSON.stringify({ about, histories: [...histories].sort((a, b) => a.name.localeCompare(b.name)) }, null, 2)}\n`;
}

/** The .history.pb files in the corpus folder, by name. */
export function fixtureNames(): string[] {
  return existsSync(HISTORIES_DIR) ? readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.history.pb')).map((f) => f.slice(0, -'.history.pb'.length)).sort() : [];
}

export async function loadHistory(name: string): Promise<History> {
  return HistoryMessage.decode(await readFile(historyFile(name)));
}

export function encodeHistory(history: History): Uint8Array {
  // Protobuf bytes: JSON histories need @temporalio/common's protojson, which this install's two protobufjs versions break.
  return HistoryMessage.encode(history).finish();
}

const eventName = (type: number | null | undefined): string => String(EventType[type ?? 0] ?? type).replace(/^EVENT_TYPE_/, '');
const OUTCOME_OF: Record<string, Outcome> = {
  WORKFLOW_EXECUTION_COMPLETED: 'completed', WORKFLOW_EXECUTION_FAILED: 'failed', WORKFLOW_EXECUTION_CONTINUED_AS_NEW: 'continued-as-new',
  WORKFLOW_EXECUTION_CANCELED: 'cancelled', WORKFLOW_EXECUTION_TERMINATED: 'terminated', WORKFLOW_EXECUTION_TIMED_OUT: 'timed-out',
};

/** What a history actually holds, in the terms of `Covers` (outcome null: the run had not ended). */
export function coverageOf(history: History): { workflowType: string; outcome: Outcome | null; activities: string[]; updates: string[]; childWorkflows: string[]; events: string[] } {
  const events = history.events ?? [];
  const names = <T>(pick: (e: proto.temporal.api.history.v1.IHistoryEvent) => T | null | undefined): T[] => events.map(pick).filter((x): x is T => x !== null && x !== undefined);
  return {
    workflowType: events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '',
    outcome: OUTCOME_OF[eventName(events.at(-1)?.eventType)] ?? null,
    activities: [...new Set(names((e) => e.activityTaskScheduledEventAttributes?.activityType?.name))],
    updates: names((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name),
    childWorkflows: [...new Set(names((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name))],
    events: [...new Set(events.map((e) => eventName(e.eventType)))],
  };
}

/** Each way `history` falls short of `covers` (empty: it covers all of it). */
export function shortfalls(history: History, workflowType: string, covers: Covers): string[] {
  const has = coverageOf(history);
  const missing = (want: string[] | undefined, got: string[]) => (want ?? []).filter((w) => !got.includes(w));
  const problems: string[] = [];
  if (has.workflowType !== workflowType) problems.push(`workflow type is ${has.workflowType || 'unknown'}, not ${workflowType}`);
  if (has.outcome !== covers.outcome) problems.push(`the run ended ${has.outcome ?? 'not at all (still running)'}, not ${covers.outcome}`);
  const lists = [['activities', covers.activities, has.activities], ['child workflows', covers.childWorkflows, has.childWorkflows], ['events', covers.events, has.events]] as const;
  for (const [what, want, got] of lists) {
    const absent = missing(want, got);
    if (absent.length > 0) problems.push(`no ${what} ${absent.join(', ')} (it has ${got.join(', ') || 'none'})`);
  }
  if (covers.updates && JSON.stringify(covers.updates) !== JSON.stringify(has.updates)) {
    problems.push(`accepted Updates are [${has.updates.join(', ')}], not [${covers.updates.join(', ')}]`);
  }
  return problems;
}

/** A hash of the workflow code (workflows/ and contracts/, by relative name and content): equal code, equal hash, in any checkout. */
export function workflowCodeHash(): string {
  const hash = createHash('sha256');
  for (const dir of ['workflows', 'contracts']) {
    const files = readdirSync(join(PROJECT_ROOT, dir)).filter((f) => f.endsWith('.ts')).sort();
    for (const f of files) hash.update(`${dir}/${f}`).update(readFileSync(join(PROJECT_ROOT, dir, f)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The workflow types the worker registers (workflows/index.ts exports). */
export async function exportedWorkflowTypes(): Promise<string[]> {
  const workflows: Record<string, unknown> = await import('../workflows/index.js');
  return Object.entries(workflows).filter(([, v]) => typeof v === 'function').map(([k]) => k).sort();
}

/** The replay worker's state changes stay off the terminal (a process that installed its own runtime keeps it). */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by this process: its logger stays
  }
}

/**
 * Replays each history on one bundle of the current workflow code (one replay worker for all); the error, if any,
 * per name. The replay runs under the recorded workflow id, as workflow code may read it.
 */
export async function replayAll(entries: { name: string; workflowId: string; history: History }[]): Promise<Map<string, Error | undefined>> {
  quietRuntime();
  const cacheDir = await mkdtemp(join(tmpdir(), 'mlcycle-replay-'));
  const errors = new Map<string, Error | undefined>();
  try {
    const bundle = await workflowBundle(cacheDir);
    const results = Worker.runReplayHistories({ workflowBundle: bundle }, entries.map((e) => ({ workflowId: e.workflowId, history: e.history })));
    let i = 0;
    for await (const result of results) errors.set(entries[i++].name, result.error);
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
  return errors;
}
