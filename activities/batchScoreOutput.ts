// Batch scoring's output: the request's output checked before anything is scored; the scored chunks assembled under a temporary name, then renamed.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { concatTables } from '../lib/data/sources/index.js';
import { decodeSnapshot, encodeSnapshot } from '../lib/data/snapshot.js';
import type { Table } from '../lib/data/table.js';
import { ParquetTableWriter } from '../lib/data/writeParquet.js';
import { finishBatchJob, listChunks } from '../lib/store/batchScores.js';
import { failure } from '../contracts/failures.js';
import { outputProblem, type AssembleInput, type BatchScoreInput, type BatchScoreResult } from '../contracts/batchScore.js';
import { keepHeartbeating, type ActivityDeps } from './deps.js';

/** A request's output: a known format whose extension it carries, in a folder that exists, not the source itself. */
export async function checkOutput(input: Pick<BatchScoreInput, 'output' | 'format' | 'source'>): Promise<void> {
  const problem = outputProblem(input.output, input.format);
  if (problem) throw failure('BadRequest', problem);
  if (resolve(input.output) === resolve(input.source)) throw failure('BadRequest', `output ${input.output} is the data being scored`);
  const folder = await stat(dirname(input.output)).catch(() => null);
  if (!folder?.isDirectory()) throw failure('BadRequest', `output ${input.output}: folder ${dirname(input.output)} does not exist`);
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function createBatchScoreOutputActivities(deps: ActivityDeps) {
  return {
    /** Writes every recorded chunk, in order, to a temporary file beside the output, then renames it into place. */
    async assembleBatchScore({ plan, input, startedAt }: AssembleInput): Promise<BatchScoreResult> {
      const chunks = await listChunks(deps.db, plan.jobId);
      const rows = chunks.reduce((n, c) => n + c.rows, 0);
      if (chunks.length !== plan.chunks || rows !== plan.rows) {
        throw failure('StepFailed', `job ${plan.jobId} has ${chunks.length} of ${plan.chunks} chunks recorded (${rows} of ${plan.rows} rows)`);
      }
      const folder = dirname(input.output);
      const prefix = `.${basename(input.output)}.`;
      // A worker lost while writing leaves its temporary file: the next attempt removes it.
      for (const f of await readdir(folder)) if (f.startsWith(prefix) && f.endsWith('.tmp')) await rm(join(folder, f), { force: true });
      const tmp = join(folder, `${prefix}${randomBytes(6).toString('hex')}.tmp`);
      try {
        await keepHeartbeating(async (beat) => {
          const read = async (uri: string, i: number): Promise<Table> => {
            beat({ writing: `chunk ${i + 1} of ${chunks.length}` });
            return decodeSnapshot(await deps.artifacts.get(uri), `scored chunk ${i}`);
          };
          if (input.format === 'parquet') {
            const writer = new ParquetTableWriter(tmp);
            for (const [i, c] of chunks.entries()) await writer.write(await read(c.uri, i));
            await writer.finish();
          } else {
            const parts: Table[] = [];
            for (const [i, c] of chunks.entries()) parts.push(await read(c.uri, i));
            await writeFile(tmp, encodeSnapshot(concatTables(parts, plan.jobId), 'file'));
          }
        });
        const sha256 = await fileSha256(tmp);
        await rename(tmp, input.output);
        await finishBatchJob(deps.db, plan.jobId, sha256);
        return {
          model: plan.model, version: plan.version, rows, chunks: chunks.length, output: input.output, format: input.format, sha256,
          seconds: Math.round((Date.now() - startedAt) / 100) / 10,
        };
      } finally {
        await rm(tmp, { force: true });
      }
    },
  };
}
