// The Temporal Schedules a pipeline definition wants (monitor, retrain, repair), and how an existing one differs.
import { isDeepStrictEqual } from 'node:util';
import { ScheduleOverlapPolicy, type ScheduleDescription } from '@temporalio/client';
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import { MONITOR_WORKFLOW, REPAIR_WORKFLOW, RETRAIN_WORKFLOW, TASK_QUEUE, monitorScheduleId, repairScheduleId, retrainScheduleId } from '../contracts/names.js';
import type { PipelineRef } from '../contracts/steps.js';

export type ScheduleKind = 'monitor' | 'retrain' | 'repair';
export const SCHEDULE_KINDS: ScheduleKind[] = ['monitor', 'retrain', 'repair'];
export const DEFAULT_REPAIR_SECONDS = 300;

/** Policies chosen on purpose (README, "Schedules"): never two runs at once, a short catch-up, failures don't pause. */
const CATCHUP_MS: Record<ScheduleKind, number> = { monitor: 60_000, retrain: 3_600_000, repair: 60_000 };

export interface WantedSchedule {
  kind: ScheduleKind;
  scheduleId: string;
  /** How people read the spec; also kept in the action's static details, so a changed cron is seen. */
  specLine: string;
  spec: { intervals: { every: number }[] } | { cronExpressions: string[] };
  workflowType: string;
  workflowId: string;
  args: unknown[];
  staticSummary: string;
  staticDetails: string;
  policies: { overlap: ScheduleOverlapPolicy; catchupWindow: number; pauseOnFailure: boolean };
  paused: boolean;
}

export function scheduleIdOf(kind: ScheduleKind, pipeline: string): string {
  return kind === 'monitor' ? monitorScheduleId(pipeline) : kind === 'retrain' ? retrainScheduleId(pipeline) : repairScheduleId(pipeline);
}

function wanted(kind: ScheduleKind, p: PipelineDefinition, ref: PipelineRef, every: { seconds: number } | { cron: string }, workflowType: string, args: unknown[], what: string, paused: boolean): WantedSchedule {
  const specLine = 'seconds' in every ? `every ${every.seconds}s` : `cron "${every.cron}" (UTC)`;
  const scheduleId = scheduleIdOf(kind, p.name);
  return {
    kind,
    scheduleId,
    specLine,
    spec: 'seconds' in every ? { intervals: [{ every: every.seconds * 1000 }] } : { cronExpressions: [every.cron] },
    workflowType,
    workflowId: scheduleId,
    args,
    staticSummary: `${what} of ${p.name}`,
    staticDetails: `schedule ${scheduleId}, ${specLine}; definition ${ref.name}@${ref.version}`,
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_MS[kind], pauseOnFailure: false },
    paused,
  };
}

/** The schedules a definition wants: monitor and repair always, retrain when `schedules.retrain` is set. */
export function wantedSchedules(p: PipelineDefinition, ref: PipelineRef): WantedSchedule[] {
  const s = p.schedules;
  const out = [
    wanted('monitor', p, ref, { seconds: s.monitor?.everySeconds ?? p.monitor.intervalSeconds }, MONITOR_WORKFLOW, [{ pipeline: ref }], 'drift monitor', s.monitor?.paused ?? false),
  ];
  if (s.retrain) {
    if (!s.retrain.source && !p.data) throw new Error(`pipeline ${p.name}: schedules.retrain needs a source (the pipeline declares no "data")`);
    if (!s.retrain.source && p.data && 'postgres' in p.data) {
      throw new Error(`pipeline ${p.name}: schedules.retrain needs a source with a watermarkColumn (its data is a Postgres query, which cannot say whether it changed)`);
    }
    const every = s.retrain.cron !== undefined ? { cron: s.retrain.cron } : { seconds: s.retrain.everySeconds ?? 86_400 };
    out.push(wanted('retrain', p, ref, every, RETRAIN_WORKFLOW, [{ pipeline: ref }], 'scheduled retraining', s.retrain.paused));
  }
  const repair = { seconds: s.repair?.everySeconds ?? DEFAULT_REPAIR_SECONDS };
  out.push(wanted('repair', p, ref, repair, REPAIR_WORKFLOW, [{ pipeline: p.name, dryRun: false }], 'repair round', s.repair?.paused ?? false));
  return out;
}

/** What differs between an existing schedule and the wanted one (besides paused), each as "what: was → wanted". */
export function differences(d: ScheduleDescription, w: WantedSchedule): string[] {
  const out: string[] = [];
  const intervals = (d.spec.intervals ?? []).map((i) => i.every);
  const specSame = 'cronExpressions' in w.spec
    ? intervals.length === 0 && (d.spec.calendars ?? []).length > 0 && (d.action.staticDetails ?? '').includes(`, ${w.specLine};`)
    : isDeepStrictEqual(intervals, w.spec.intervals.map((i) => i.every)) && (d.spec.calendars ?? []).length === 0;
  if (!specSame) out.push(`spec: ${intervals.length ? intervals.map((ms) => `every ${ms / 1000}s`).join(', ') : 'a calendar'} → ${w.specLine}`);
  const a = d.action;
  if (a.workflowType !== w.workflowType) out.push(`workflow: ${a.workflowType} → ${w.workflowType}`);
  if (a.workflowId !== w.workflowId) out.push(`workflow id: ${a.workflowId} → ${w.workflowId}`);
  if (a.taskQueue !== TASK_QUEUE) out.push(`task queue: ${a.taskQueue} → ${TASK_QUEUE}`);
  if (!isDeepStrictEqual(a.args ?? [], w.args)) out.push(`args: ${JSON.stringify(a.args ?? [])} → ${JSON.stringify(w.args)}`);
  const p = d.policies;
  if (p.overlap !== w.policies.overlap) out.push(`overlap: ${p.overlap} → ${w.policies.overlap}`);
  if (p.catchupWindow !== w.policies.catchupWindow) out.push(`catch-up window: ${p.catchupWindow / 1000}s → ${w.policies.catchupWindow / 1000}s`);
  if (p.pauseOnFailure !== w.policies.pauseOnFailure) out.push(`pause on failure: ${p.pauseOnFailure} → ${w.policies.pauseOnFailure}`);
  if (out.length === 0 && (a.staticSummary !== w.staticSummary || a.staticDetails !== w.staticDetails)) out.push('summary and details');
  return out;
}
