// `schedules apply`: make a pipeline's Temporal Schedules match its stored definition (idempotently); `schedules list`.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import type { PipelineDefinition, PipelineInput } from '../lib/config/pipeline.js';
import type { Queryable } from '../lib/store/db.js';
import { latestDefinition, storedPipelineNames } from '../lib/store/definitions.js';
import { TASK_QUEUE } from '../contracts/names.js';
import type { PipelineRef } from '../contracts/steps.js';
import { registerDefinition } from './client.js';
import { SCHEDULE_KINDS, differences, scheduleIdOf, wantedSchedules, type WantedSchedule } from './scheduleSpec.js';

export type ScheduleChangeKind = 'created' | 'updated' | 'paused' | 'unpaused' | 'deleted' | 'unchanged';

export interface ScheduleChange {
  scheduleId: string;
  change: ScheduleChangeKind;
  detail: string;
}

export async function describeSchedule(client: Client, scheduleId: string): Promise<ScheduleDescription | null> {
  try {
    return await client.schedule.getHandle(scheduleId).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return null;
    throw err;
  }
}

function actionOf(w: WantedSchedule) {
  return { type: 'startWorkflow' as const, workflowType: w.workflowType, workflowId: w.workflowId, taskQueue: TASK_QUEUE, args: w.args, staticSummary: w.staticSummary, staticDetails: w.staticDetails };
}

const pauseNote = (w: WantedSchedule): string => `paused by the definition (schedules.${w.kind}.paused)`;

async function create(client: Client, w: WantedSchedule, ref: PipelineRef): Promise<ScheduleChange | null> {
  try {
    await client.schedule.create({
      scheduleId: w.scheduleId,
      spec: w.spec,
      action: actionOf(w),
      policies: w.policies,
      state: { paused: w.paused, note: w.paused ? pauseNote(w) : `applied from ${ref.name}@${ref.version}` },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return null; // created meanwhile by another apply: compare with it instead
    throw err;
  }
  return { scheduleId: w.scheduleId, change: 'created', detail: `${w.specLine}${w.paused ? ', paused' : ''}` };
}

/** One schedule brought in line with what the definition wants (or deleted when it wants none). */
async function applyOne(client: Client, id: string, w: WantedSchedule | undefined, ref: PipelineRef): Promise<ScheduleChange[]> {
  let existing = await describeSchedule(client, id);
  if (!w) {
    if (!existing) return [];
    await client.schedule.getHandle(id).delete();
    return [{ scheduleId: id, change: 'deleted', detail: 'the definition no longer declares it' }];
  }
  if (!existing) {
    const created = await create(client, w, ref);
    if (created) return [created];
    existing = await describeSchedule(client, id);
    if (!existing) throw new Error(`schedule ${id} was reported as existing, then not found`);
  }
  const changes: ScheduleChange[] = [];
  const handle = client.schedule.getHandle(id);
  const diffs = differences(existing, w);
  if (diffs.length) {
    await handle.update((prev) => ({ spec: w.spec, action: actionOf(w), policies: w.policies, state: { paused: prev.state.paused, note: prev.state.note } }));
    changes.push({ scheduleId: id, change: 'updated', detail: diffs.join('; ') });
  }
  if (existing.state.paused !== w.paused) {
    if (w.paused) await handle.pause(pauseNote(w));
    else await handle.unpause(`unpaused by the definition ${ref.name}@${ref.version}`);
    changes.push({ scheduleId: id, change: w.paused ? 'paused' : 'unpaused', detail: `schedules.${w.kind}.paused is ${w.paused}` });
  }
  return changes.length ? changes : [{ scheduleId: id, change: 'unchanged', detail: `${w.specLine}${w.paused ? ', paused' : ''}` }];
}

/** Creates, updates, pauses, unpauses and deletes the pipeline's schedules so that they match the stored definition `ref`. */
export async function applyPipelineSchedules(client: Client, pipeline: PipelineDefinition, ref: PipelineRef): Promise<ScheduleChange[]> {
  const wanted = wantedSchedules(pipeline, ref);
  const changes: ScheduleChange[] = [];
  for (const kind of SCHEDULE_KINDS) {
    const id = scheduleIdOf(kind, pipeline.name);
    changes.push(...(await applyOne(client, id, wanted.find((w) => w.kind === kind), ref)));
  }
  return changes;
}

/**
 * `schedules apply [P]`: with a definition, checks and stores it, then applies its schedules; without one, applies the
 * latest stored definition of every pipeline that has one.
 */
export async function applySchedules(conn: { client: Client; db: Queryable }, definition?: PipelineInput): Promise<{ pipeline: PipelineRef; changes: ScheduleChange[] }[]> {
  if (definition) {
    const { pipeline, ref } = await registerDefinition(conn.db, definition);
    return [{ pipeline: ref, changes: await applyPipelineSchedules(conn.client, pipeline, ref) }];
  }
  const out: { pipeline: PipelineRef; changes: ScheduleChange[] }[] = [];
  for (const name of await storedPipelineNames(conn.db)) {
    const stored = await latestDefinition(conn.db, name);
    if (!stored) continue;
    const ref = { name, version: stored.version };
    out.push({ pipeline: ref, changes: await applyPipelineSchedules(conn.client, stored.definition, ref) });
  }
  return out;
}
