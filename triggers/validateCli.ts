// The `validate` command's options and action; it loads the Temporal client only for --pipeline (cli.ts runs it without the rest).
import type { Command } from 'commander';
import { join } from 'node:path';
import { readEnv } from '../lib/config/env.js';
import { SchemaFormatError } from '../lib/checks/schema.js';
import { DataError } from '../lib/data/errors.js';
import { CannotCheck, validateCommand } from './validateCommand.js';

interface ValidateFlags {
  schema?: string;
  reference?: string;
  pipeline?: string;
  db?: string;
  out?: string;
  writeSchema?: string;
  json?: boolean;
}

export function addValidateCommand(program: Command): void {
  program
    .command('validate <source>')
    .description('ingest and validate a data file (CSV, TSV, JSON lines, JSON, Parquet, Arrow) or a SQL query on its own; exit 1 when an error-level check fails, 2 when the data cannot be read')
    .option('--schema <file>', 'check against this schema (JSON, as --write-schema writes it)')
    .option('--reference <source>', 'check skew against this reference data (file or query)')
    .option('--pipeline <pipeline>', 'use the expectations, skew thresholds and quarantine of this pipeline')
    .option('--db <url>', 'PostgreSQL connection string for query sources (default DATABASE_URL)')
    .option('--out <dir>', 'where to write validation.json and validation.html')
    .option('--write-schema <file>', 'write the schema (given, or inferred from this data) to a file a person can edit')
    .option('--json', 'print one JSON line instead of the summary')
    .action(async (source: string, opts: ValidateFlags) => {
      const env = readEnv();
      const pipeline = opts.pipeline ? await (await import('./client.js')).resolvePipeline(opts.pipeline) : undefined;
      const out = opts.out ?? join(env.stateDir, 'reports', 'validate', new Date().toISOString().replace(/[:.]/g, '-'));
      try {
        process.exitCode = await validateCommand(source, { ...opts, pipeline, out });
      } catch (err) {
        if (err instanceof DataError || err instanceof CannotCheck || err instanceof SchemaFormatError) {
          console.error(`mlcycle validate: ${err.message}`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
    });
}
