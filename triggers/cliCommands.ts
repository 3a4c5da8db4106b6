// Every mlcycle command but the fast path of cli.ts: dev, run, steps, schedules, rollout, approvals, score, status, demo, export.
// What only starts a stack (dev, demo: the worker, the serving app) is imported when that command runs, so other commands start fast.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { PROJECT_ROOT, readEnv } from '../lib/config/env.js';
import { ensureTemporalCli } from '../stack/temporalCli.js';
import { connect } from './connect.js';
import { addImportCommand } from './importCommand.js';
import { addExportCommand } from './exportCommand.js';
import { addRegistryCommands } from './registryCommands.js';
import { addValidateCommand } from './validateCli.js';
import { addRunCommand } from './runCommand.js';
import { addStepsCommand } from './stepsCommand.js';
import { addRepairCommand } from './repairCommand.js';
import { addEraseCommand } from './eraseCommand.js';
import { addRolloutCommand } from './rolloutCommand.js';
import { addSchedulesCommand } from './schedulesCommand.js';
import { addScoreCommand } from './scoreCommand.js';
import { collectStatus, formatStatus } from './status.js';
import { addStackCommands } from './stackCommand.js';
import { addApprovalCommands } from './approvalCommand.js';
import { addLineageCommand } from './lineageCommand.js';
import { addInitCommand } from './initCommand.js';
import { addTransformsCommand } from './transformsCommand.js';

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export function failureMessage(err: unknown): string {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause as (Error & { type?: string }) | undefined;
    return `the run failed${cause?.type ? ` (${cause.type})` : ''}: ${cause?.message ?? err.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Registers every command on `program`. */
export function addCommands(program: Command): void {
  program
    .command('dev')
    .description('start the embedded stack in the foreground: Temporal dev server, PostgreSQL, worker, serving API')
    .action(async () => {
      const env = readEnv();
      const [{ startStack }, { registerStartApi }] = await Promise.all([import('../stack/stack.js'), import('./httpApi.js')]);
      const stack = await startStack({ env, log: (l) => console.log(`  ${l}`), extendApp: registerStartApi });
      console.log('\nmlcycle is running:');
      if (stack.info.temporalUiUrl) console.log(`  Temporal Web UI  ${stack.info.temporalUiUrl}`);
      console.log(`  Temporal         ${stack.info.temporalAddress} (namespace ${stack.info.namespace})`);
      console.log(`  PostgreSQL       ${stack.info.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
      console.log(`  Serving API      ${stack.info.httpUrl}  (GET /v1/models, POST /v1/models/:name/predict, POST /v1/feedback, POST /v1/runs)`);
      console.log(`  State            ${env.stateDir}`);
      console.log('Ctrl-C stops everything.');
      const signal = await waitForSignal();
      console.log(`\n${signal}: stopping…`);
      await stack.stop();
    });

  addStackCommands(program);
  addRunCommand(program);
  addStepsCommand(program);
  addInitCommand(program);
  addRepairCommand(program);
  addRolloutCommand(program);
  addApprovalCommands(program);
  addSchedulesCommand(program);
  addScoreCommand(program);
  addEraseCommand(program);
  addLineageCommand(program);

  program
    .command('status')
    .description('list lifecycle runs, model versions (champion, challenger) and monitor windows')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'rows per section', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
      return n;
    }, 20)
    .action(async (opts: { json?: boolean; limit: number }) => {
      const conn = await connect(readEnv());
      try {
        const status = await collectStatus(conn.client, conn.db, opts.limit);
        console.log(opts.json ? JSON.stringify(status, null, 2) : formatStatus(status));
      } finally {
        await conn.close();
      }
    });

  addValidateCommand(program);
  addRegistryCommands(program);
  addImportCommand(program);
  addExportCommand(program);
  addTransformsCommand(program);

  program
    .command('setup')
    .description('find or build the Temporal CLI (go install into .tools/bin) so `dev`, `demo` and the tests start without waiting')
    .action(async () => {
      const cli = await ensureTemporalCli(PROJECT_ROOT, (line) => console.log(`  ${line}`));
      console.log(cli ? `Temporal CLI: ${cli}` : 'no Temporal CLI and no Go: the SDK will download a dev server at start (needs internet)');
    });

  program
    .command('demo')
    .description('the whole loop on seattle-weather, on the embedded stack, in a few minutes')
    .option('--keep-running', 'keep the stack up at the end (default when the terminal is interactive)')
    .option('--exit', 'stop the stack at the end')
    .addOption(new Option('--story <story>', 'lifecycle: train, drift, retrain, roll out, repair; business: a success metric decides, a person approves, lineage').choices(['lifecycle', 'business']).default('lifecycle'))
    .action(async (opts: { keepRunning?: boolean; exit?: boolean; story: 'lifecycle' | 'business' }) => {
      const { demo } = await import('./demo.js');
      await demo(readEnv(), !opts.exit && (opts.keepRunning === true || process.stdout.isTTY === true), opts.story);
    });
}
