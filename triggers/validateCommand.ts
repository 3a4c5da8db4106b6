// `mlcycle validate`: ingest + validate on their own, as a data check other tools call (exit 1 when checks fail).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { inferSchema, parseDataSchema, type DataSchema } from '../lib/checks/schema.js';
import { formatValidationSummary, runValidation } from '../lib/checks/suite.js';
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import { profileTable } from '../lib/data/profile.js';
import { readSource, type SourceSpec } from '../lib/data/sources/index.js';
import { renderValidationHtml } from '../lib/report/validationHtml.js';

export interface ValidateCommandOptions {
  schema?: string;
  reference?: string;
  pipeline?: PipelineDefinition;
  /** Connection string for a query source (default DATABASE_URL). */
  db?: string;
  out: string;
  writeSchema?: string;
  json?: boolean;
}

/** Thrown for input the command could not check at all (exit code 2, unlike failed checks: 1). */
export class CannotCheck extends Error {
  override name = 'CannotCheck';
}

/** A SQL query (SELECT/WITH/TABLE/VALUES…) is read from Postgres; anything else is a file. */
export function sourceFromArgument(arg: string, db: string | undefined): SourceSpec {
  if (/^\s*(select|with|table|values)\b/i.test(arg)) {
    const connectionString = db ?? process.env.DATABASE_URL;
    if (!connectionString) throw new CannotCheck('a query needs --db <postgres url> or DATABASE_URL');
    return { kind: 'postgres', connectionString, query: arg };
  }
  return { kind: 'file', path: resolve(arg) };
}

async function readJson(path: string, what: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new CannotCheck(`cannot read ${what} ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CannotCheck(`${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

const progress = (line: string): void => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
};

/** Runs the check; returns the exit code (0 passed, 1 an error-level check failed). */
export async function validateCommand(input: string, o: ValidateCommandOptions, print: (line: string) => void = console.log): Promise<number> {
  const spec = sourceFromArgument(input, o.db);
  const table = await readSource(spec, { onProgress: (p) => progress(`reading: ${p.detail}`) });
  progress('');
  let schema: DataSchema | null = null;
  if (o.schema) schema = parseDataSchema(await readJson(resolve(o.schema), 'schema'), o.schema);
  let referenceProfile;
  if (o.reference) {
    progress('profiling the reference');
    referenceProfile = profileTable(await readSource(sourceFromArgument(o.reference, o.db)));
    progress('');
  }
  const p = o.pipeline?.validation;
  const outcome = runValidation({
    table,
    sourceName: spec.kind === 'file' ? spec.path : `query: ${spec.query.slice(0, 80)}`,
    schema,
    expectations: p?.expectations ?? [],
    skew: referenceProfile ? { reference: referenceProfile, config: p?.skew } : undefined,
    quarantine: p?.quarantine,
    rangeTolerance: p?.rangeTolerance,
  });
  const { report } = outcome;
  const out = resolve(o.out);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'validation.json'), JSON.stringify(report, null, 2));
  await writeFile(join(out, 'validation.html'), renderValidationHtml(report, { title: report.source, referenceProfile }));
  if (o.writeSchema) await writeFile(resolve(o.writeSchema), JSON.stringify(schema ?? inferSchema(table), null, 2) + '\n');
  if (o.json) print(JSON.stringify({ ok: report.ok, counts: report.counts, report: join(out, 'validation.html') }));
  else {
    print(formatValidationSummary(report));
    if (!schema) print(`(no --schema: only the expectations and skew were checked${o.writeSchema ? '' : '; --write-schema FILE saves one inferred from this data'})`);
    if (o.writeSchema) print(`schema written to ${resolve(o.writeSchema)}`);
    print(`report: ${join(out, 'validation.html')} (JSON beside it)`);
  }
  return report.ok ? 0 : 1;
}
