// The mlcycle command line. `validate` loads only its own modules; every other command loads the whole program (cliCommands.ts).
import { Command } from 'commander';
import { addValidateCommand } from './validateCli.js';

const program = new Command('mlcycle').description('The machine-learning model lifecycle as durable Temporal workflows.');
let failureMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
if (process.argv[2] === 'validate') addValidateCommand(program);
else {
  const all = await import('./cliCommands.js');
  all.addCommands(program);
  failureMessage = all.failureMessage;
}

program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(`mlcycle: ${failureMessage(err)}`);
    process.exit(1);
  },
);
