// The registry commands of the CLI: the pinned data schema (export, pin an edited version) and audited aliases.
import { readFile, writeFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { parseDataSchema } from '../lib/checks/schema.js';
import { readEnv } from '../lib/config/env.js';
import { latestSchema, pinSchemaVersion } from '../lib/store/datasets.js';
import { audit, setAlias } from '../lib/store/models.js';
import { connect } from './connect.js';
import { cliActor } from './actor.js';

export function addRegistryCommands(program: Command): void {
  program
    .command('schema <pipeline>')
    .description("show the pipeline's pinned schema (JSON a person can edit), write it to a file, or pin an edited file as the next version")
    .option('--export <file>', 'write the pinned schema to a file')
    .option('--pin <file>', 'pin this schema file as the next version (later runs are checked against it)')
    .action(async (name: string, opts: { export?: string; pin?: string }) => {
      const conn = await connect(readEnv());
      try {
        if (opts.pin) {
          const text = await readFile(opts.pin, 'utf8');
          const schema = parseDataSchema(JSON.parse(text), opts.pin);
          const pinned = await pinSchemaVersion(conn.db, name, schema);
          await audit(conn.db, cliActor(), 'pin_schema', `${name}@schema-v${pinned.version}`, { file: opts.pin });
          console.log(`pinned ${opts.pin} as schema version ${pinned.version} of ${name}`);
          return;
        }
        const pinned = await latestSchema(conn.db, name);
        if (!pinned) throw new Error(`pipeline ${name} has no pinned schema yet: its first passing run pins one`);
        const json = JSON.stringify(pinned.schema, null, 2) + '\n';
        if (opts.export) {
          await writeFile(opts.export, json);
          console.log(`schema version ${pinned.version} of ${name} written to ${opts.export}`);
        } else process.stdout.write(json);
      } finally {
        await conn.close();
      }
    });

  program
    .command('alias <model> <alias> <version>')
    .description('move the champion or challenger alias to a registered, blessed version (audited: who, when, why)')
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .option('--weight <w>', 'challenger traffic share in [0, 1]', (v) => {
      const w = Number(v);
      if (!(w >= 0 && w <= 1)) throw new InvalidArgumentError('must be a number in [0, 1]');
      return w;
    })
    .action(async (model: string, alias: string, version: string, opts: { reason: string; weight?: number }) => {
      if (alias !== 'champion' && alias !== 'challenger') throw new InvalidArgumentError(`alias must be champion or challenger, got "${alias}"`);
      const v = Number(version);
      if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`version must be a positive integer, got "${version}"`);
      const conn = await connect(readEnv());
      try {
        const d = await setAlias(conn.db, { modelName: model, alias, version: v, challengerWeight: opts.weight, actor: cliActor(), reason: opts.reason });
        console.log(`${model}: champion v${d.championVersion}, challenger ${d.challengerVersion ? `v${d.challengerVersion} on ${Math.round(d.challengerWeight * 100)}%` : 'none'}`);
      } finally {
        await conn.close();
      }
    });
}
