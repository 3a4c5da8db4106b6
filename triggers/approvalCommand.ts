// `mlcycle approvals` lists what awaits a person's approval; `mlcycle approve <run-id|model> [--reject] --reason …` decides it.
import type { Command } from 'commander';
import { readEnv } from '../lib/config/env.js';
import { cliActor } from './actor.js';
import { ApprovalError, decideApproval, formatApproval, listAwaiting } from './approvals.js';
import { connect } from './connect.js';

export function addApprovalCommands(program: Command): void {
  program
    .command('approvals')
    .description('list the runs awaiting approval (search attribute MlcycleApproval="awaiting"): what is approved, the role that decides, until when')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const conn = await connect(readEnv());
      try {
        const awaiting = await listAwaiting(conn.client);
        if (opts.json) console.log(JSON.stringify(awaiting, null, 2));
        else console.log(awaiting.length === 0 ? 'nothing awaits approval' : awaiting.map(formatApproval).join('\n\n'));
      } finally {
        await conn.close();
      }
    });

  program
    .command('approve <target>')
    .description('approve (or --reject) what a run awaits: <target> is its workflow id (lifecycle:…, rollout:<model>) or a model name; audited as your OS account (self-declared)')
    .requiredOption('--reason <text>', 'why (audited)')
    .option('--reject', 'reject instead: a pipeline run ends Rejected (never repaired), a rollout rolls back')
    .option('--id <id>', 'the request (the approval step\'s id) when a run awaits more than one')
    .action(async (target: string, opts: { reason: string; reject?: boolean; id?: string }) => {
      const conn = await connect(readEnv());
      try {
        const r = await decideApproval(conn, { target, approve: opts.reject !== true, actor: cliActor(), reason: opts.reason, id: opts.id, roles: null, via: 'cli' });
        console.log(formatApproval({ workflowId: r.workflowId, request: r }));
      } catch (err) {
        if (err instanceof ApprovalError) throw new Error(`refused: ${err.message}`);
        throw err;
      } finally {
        await conn.close();
      }
    });
}
