// `mlcycle erase --unit <id> [--reason …] [--dry-run]`: one subject's logged answers and labels removed, counted, audited.
import { createHash } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { readEnv } from '../lib/config/env.js';
import { PII_KEY_VAR, readPiiKey } from '../lib/data/piiKey.js';
import { createDb } from '../lib/store/db.js';
import { eraseSubject, piiModelVersions, type EraseResult } from '../lib/store/erase.js';
import { readStackInfo } from './connect.js';
import { cliActor } from './actor.js';

/** What an erasure leaves, and why: said every time, so nobody takes it for more than it is. */
export const KEPT =
  'kept: drift aggregates, serving counters, monitor reports and rollout figures (counts without unit ids, not per subject); ' +
  'snapshots built from labelled traffic before now (immutable, content-addressed, no unit ids; their pii fields dropped or hashed); ' +
  "predictions still in a replica's spill file are written later and need another erase";

/** A unit as the serving API takes it: 1-128 characters. */
export function parseUnit(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty: the unit id (user, device, session) whose data to erase');
  if (value.length > 128) throw new InvalidArgumentError(`is ${value.length} characters; a logged unit id has at most 128`);
  return value;
}

export function formatErase(r: EraseResult, hashed: boolean): string {
  const verb = r.dryRun ? 'would remove' : 'removed';
  const lines = [`${r.dryRun ? 'dry run: ' : ''}${verb} ${r.predictions} logged prediction(s) and ${r.feedback} label(s) of this unit${hashed ? ' (matched as sent and as its keyed hash)' : ''}`];
  for (const p of r.partitions) lines.push(`  ${p.partition.padEnd(24)} ${p.rows} row(s)`);
  lines.push(`  ${'feedback'.padEnd(24)} ${r.feedback} row(s)`);
  lines.push(`  ${'outcomes'.padEnd(24)} ${r.outcomes} row(s)`);
  if (r.auditId !== null) lines.push(`audit log entry ${r.auditId}`);
  lines.push(KEPT);
  return lines.join('\n');
}

export function addEraseCommand(program: Command): void {
  program
    .command('erase')
    .description("remove one subject's logged predictions and labels from every partition of the prediction log (audited)")
    .requiredOption('--unit <id>', 'the unit id (user, device, session) as clients send it', parseUnit)
    .option('--reason <text>', 'why (kept in the audit log)')
    .option('--dry-run', 'count what would be removed; remove and record nothing')
    .option('--json', 'print JSON')
    .action(async (opts: { unit: string; reason?: string; dryRun?: boolean; json?: boolean }) => {
      const env = readEnv();
      const databaseUrl = env.databaseUrl ?? (await readStackInfo(env))?.databaseUrl;
      if (!databaseUrl) throw new Error('no running mlcycle stack: start one with `npx mlcycle dev` (or set DATABASE_URL)');
      const key = readPiiKey();
      const db = createDb(databaseUrl, 2);
      try {
        const versions = await piiModelVersions(db);
        // Fail closed: without the key, rows that hold the unit as a keyed hash would be missed without a word.
        if (!key && versions.length > 0) {
          const named = [...new Set(versions.map((v) => v.name))].join(', ');
          throw new Error(`${PII_KEY_VAR} is not set: model(s) ${named} log units and hashed fields as keyed hashes; set the key the serving replicas use`);
        }
        const other = key ? versions.filter((v) => v.keyId !== null && v.keyId !== key.id) : [];
        if (other.length > 0) {
          console.error(`warning: ${other.map((v) => `${v.name}@${v.version}`).join(', ')} hashed with another key (not this ${PII_KEY_VAR}): what they logged under that key is not matched`);
        }
        const hashed = key ? key.hash(opts.unit) : null;
        const subject = `unit:${hashed ?? `sha256:${createHash('sha256').update(opts.unit).digest('hex').slice(0, 32)}`}`;
        const reason = opts.reason?.trim() || null;
        const result = await eraseSubject(db, { unit: opts.unit, hashed }, { actor: cliActor(), reason, subject, dryRun: opts.dryRun === true });
        console.log(opts.json ? JSON.stringify({ ...result, subject }) : formatErase(result, hashed !== null));
      } finally {
        await db.end();
      }
    });
}
