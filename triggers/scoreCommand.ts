// `mlcycle score <pipeline-or-model> <data>`: scores a data file in chunks as a durable workflow, showing chunks done.
import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import type { WorkflowHandle } from '@temporalio/client';
import { readEnv } from '../lib/config/env.js';
import { batchScoreProgressQuery, type BatchScoreFormat, type BatchScoreProgress, type BatchScoreResult } from '../contracts/batchScore.js';
import { BatchScoreRequestError, batchScoreResult, startBatchScore } from './batchScore.js';
import { connect } from './connect.js';

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer`);
    return n;
  };
}

function format(v: string): BatchScoreFormat {
  if (v !== 'parquet' && v !== 'arrow') throw new InvalidArgumentError('--format must be parquet or arrow');
  return v;
}

/** Polls the job's progress query until it ends: a bar in a terminal, a line per change elsewhere. */
async function follow(handle: WorkflowHandle, print: (line: string) => void): Promise<BatchScoreResult> {
  const result = batchScoreResult(handle);
  let finished = false;
  void result.then(() => (finished = true), () => (finished = true));
  const tty = process.stdout.isTTY === true;
  const bar = new cliProgress.SingleBar({ format: '  chunks [{bar}] {value}/{total} ({rowsDone} rows)', hideCursor: true }, cliProgress.Presets.shades_classic);
  let barStarted = false;
  let last = '';
  while (!finished) {
    const p: BatchScoreProgress | null = await handle.query(batchScoreProgressQuery).catch(() => null);
    if (p && p.phase === 'scoring' && tty) {
      if (!barStarted) bar.start(p.chunks, p.chunksDone, { rowsDone: p.rowsDone });
      barStarted = true;
      bar.update(p.chunksDone, { rowsDone: p.rowsDone });
    } else if (p) {
      const line = p.phase === 'scoring' ? `  chunks ${p.chunksDone}/${p.chunks} (${p.rowsDone} of ${p.rows} rows)` : `  ${p.phase}…`;
      if (line !== last && !(tty && p.phase === 'scoring')) print(line);
      last = line;
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
  }
  // A job quicker than a poll still shows where it ended.
  const done = await result.catch(() => null);
  if (done) {
    const line = `  chunks ${done.chunks}/${done.chunks} (${done.rows} of ${done.rows} rows)`;
    if (barStarted) bar.update(done.chunks, { rowsDone: done.rows });
    else if (line !== last) print(line);
  }
  if (barStarted) bar.stop();
  return result;
}

export function addScoreCommand(program: Command): void {
  program
    .command('score <pipeline-or-model> <data>')
    .description('score a data file (Parquet, CSV, Arrow, JSON) in chunks with the champion or a named version; writes a scored snapshot (input columns + predictions)')
    .option('--version <n>', 'the model version (default: the champion when the job starts)', positiveInt('--version'))
    .option('--out <file>', 'the scored snapshot (default: <data>.scored.parquet beside the data)')
    .option('--format <format>', 'parquet (default) or arrow', format)
    .option('--chunk-rows <n>', 'rows per chunk (default 50000)', positiveInt('--chunk-rows'))
    .action(async (ref: string, data: string, opts: { version?: number; out?: string; format?: BatchScoreFormat; chunkRows?: number }) => {
      const conn = await connect(readEnv());
      try {
        const job = await startBatchScore(conn, { ref, data, ...opts });
        console.log(`scoring ${job.input.source} with ${job.input.model}@${job.input.version} (${job.workflowId})`);
        const result = await follow(job.handle, (line) => console.log(line));
        console.log(`${result.rows} rows scored in ${result.chunks} chunks (${result.seconds} s) → ${result.output}`);
      } catch (err) {
        if (!(err instanceof BatchScoreRequestError)) throw err;
        console.error(`mlcycle score: ${err.message}`);
        process.exitCode = 2;
      } finally {
        await conn.close();
      }
    });
}
