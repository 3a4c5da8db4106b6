// `mlcycle schedules apply [P]` and `mlcycle schedules list`: a pipeline's Temporal Schedules from its definition.
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { readEnv } from '../lib/config/env.js';
import { resolvePipeline } from './client.js';
import { connect } from './connect.js';
import { applySchedules, describeSchedule } from './schedules.js';

const MLCYCLE_SCHEDULE = /^(monitor|retrain|repair):/;

export interface ScheduleRow {
  scheduleId: string;
  workflowType: string;
  spec: string;
  paused: boolean;
  note: string | null;
  definition: unknown;
  nextRuns: string[];
  lastRuns: { scheduledAt: string; workflowId: string }[];
}

/** Every mlcycle schedule (monitor:, retrain:, repair:) with its spec, state, next and last runs. */
export async function collectSchedules(client: Client): Promise<ScheduleRow[]> {
  const ids: string[] = [];
  for await (const s of client.schedule.list()) if (MLCYCLE_SCHEDULE.test(s.scheduleId)) ids.push(s.scheduleId);
  const rows: ScheduleRow[] = [];
  for (const id of ids.sort()) {
    const d = await describeSchedule(client, id);
    if (!d) continue; // deleted since it was listed
    const intervals = (d.spec.intervals ?? []).map((i) => `every ${i.every / 1000}s`);
    const fromDetails = /, ((?:every \d+s)|(?:cron "[^"]*" \(UTC\)));/.exec(d.action.staticDetails ?? '')?.[1];
    const first = (d.action.args ?? [])[0] as { pipeline?: unknown } | undefined;
    rows.push({
      scheduleId: id,
      workflowType: d.action.workflowType,
      spec: intervals.length ? intervals.join(', ') : (fromDetails ?? 'a calendar'),
      paused: d.state.paused,
      note: d.state.note ?? null,
      definition: first?.pipeline ?? null,
      nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
      lastRuns: d.info.recentActions.slice(-3).map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })),
    });
  }
  return rows;
}

export function formatSchedules(rows: ScheduleRow[]): string {
  if (rows.length === 0) return 'no mlcycle schedules (create them with `npx mlcycle schedules apply <pipeline>`)';
  return rows
    .map((r) => {
      const def = r.definition && typeof r.definition === 'object' ? JSON.stringify(r.definition) : String(r.definition);
      return [
        `${r.scheduleId}  ${r.workflowType}  ${r.spec}${r.paused ? `  PAUSED${r.note ? ` (${r.note})` : ''}` : ''}`,
        `    definition  ${def}`,
        `    next runs   ${r.paused ? '(paused)' : r.nextRuns.join(', ') || '-'}`,
        `    last runs   ${r.lastRuns.map((a) => `${a.scheduledAt} ${a.workflowId}`).join('\n                ') || '-'}`,
      ].join('\n');
    })
    .join('\n');
}

export function addSchedulesCommand(program: Command): void {
  const schedules = program.command('schedules').description("the pipelines' Temporal Schedules (monitor, retrain, repair), kept in line with their definitions");
  schedules
    .command('apply [pipeline]')
    .description('check and store the pipeline (an example name or a pipeline.json path) and make its schedules match it; without a pipeline, every stored pipeline\'s latest definition')
    .action(async (ref: string | undefined) => {
      const conn = await connect(readEnv());
      try {
        const applied = await applySchedules(conn, ref ? await resolvePipeline(ref) : undefined);
        if (applied.length === 0) console.log('no stored pipeline definitions: name a pipeline (`npx mlcycle schedules apply seattle-weather`)');
        for (const { pipeline, changes } of applied) {
          console.log(`${pipeline.name}@${pipeline.version}`);
          for (const c of changes) console.log(`  ${c.change.padEnd(9)} ${c.scheduleId}  ${c.detail}`);
        }
      } finally {
        await conn.close();
      }
    });
  schedules
    .command('list')
    .description('every mlcycle schedule with its spec, paused state, next and last runs')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const conn = await connect(readEnv());
      try {
        const rows = await collectSchedules(conn.client);
        console.log(opts.json ? JSON.stringify(rows, null, 2) : formatSchedules(rows));
      } finally {
        await conn.close();
      }
    });
}
