// `mlcycle repair [P] [--dry-run]`: one repair round now (the workflow the repair schedule starts), and what it decided.
import type { Command } from 'commander';
import { readEnv } from '../lib/config/env.js';
import { REPAIR_WORKFLOW, TASK_QUEUE } from '../contracts/names.js';
import type { RepairInput, RepairResult } from '../contracts/types.js';
import { connect } from './connect.js';

const VERB: Record<string, string> = {
  restart: 'restart', not_repairable: 'leave (not repairable)', park: 'park', wait: 'wait', decided: 'already decided',
};

export function formatRepair(r: RepairResult, dryRun: boolean): string {
  const lines = r.outcomes.map((o) => `  ${o.workflowId}: repair run ${o.newRunId} ${o.outcome}`);
  for (const d of r.decisions) {
    const what = dryRun && d.action === 'restart' ? 'would restart' : (VERB[d.action] ?? d.action);
    lines.push(`  ${what.padEnd(24)} ${d.workflowId}  (${d.failureType ?? d.status}${d.step ? `, failed at ${d.step}` : ''}) — ${d.reason}${d.newRunId ? `; new run ${d.newRunId}` : ''}`);
  }
  return lines.length ? lines.join('\n') : '  no failed, timed-out or terminated lifecycle runs';
}

export function addRepairCommand(program: Command): void {
  program
    .command('repair [pipeline]')
    .description('run one repair round now: restart repairable failed runs from the failed step (completed steps reused), leave or park the rest')
    .option('--dry-run', 'print what the round would do; start and record nothing')
    .action(async (pipeline: string | undefined, opts: { dryRun?: boolean }) => {
      const conn = await connect(readEnv());
      try {
        const input: RepairInput = { pipeline: pipeline ?? null, dryRun: opts.dryRun === true };
        const result = (await conn.client.workflow.execute(REPAIR_WORKFLOW, {
          taskQueue: TASK_QUEUE,
          workflowId: `repair:${pipeline ?? 'all'}:manual-${new Date().toISOString()}`,
          args: [input],
          staticSummary: `${input.dryRun ? 'dry-run ' : ''}repair round of ${pipeline ?? 'every pipeline'}, started from the CLI`,
        })) as RepairResult;
        console.log(`${input.dryRun ? 'dry run: ' : ''}repair round of ${pipeline ?? 'every pipeline'}\n${formatRepair(result, input.dryRun)}`);
      } finally {
        await conn.close();
      }
    });
}
