// Recording into the replay corpus: with MLCYCLE_RECORD_HISTORY=1, an e2e test's finished run becomes a fixture and a manifest entry.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Client } from '@temporalio/client';
import { PROJECT_ROOT } from '../lib/config/env.js';
import {
  HISTORIES_DIR, MANIFEST, coversSchema, encodeHistory, historyFile, manifestText, readManifest, shortfalls, type CorpusEntry, type Covers, workflowCodeHash,
} from './historyCorpus.js';

/** A history past this is refused: the corpus lives in git and should stay a few hundred KB in all. */
export const MAX_HISTORY_BYTES = 256 * 1024;

export const recording = (): boolean => process.env.MLCYCLE_RECORD_HISTORY === '1';

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** The e2e test file that called us (for the manifest and for "how to record it"). */
function callerTestFile(): string {
  const frame = new Error().stack?.split('\n').find((l) => /\/test\/e2e\/[^/]+\.test\.ts/.test(l));
  const path = frame?.match(/(?:file:\/\/)?(\/[^\s:)]+\.test\.ts)/)?.[1];
  return path ? relative(PROJECT_ROOT, path) : 'test/e2e (unknown file)';
}

/**
 * When MLCYCLE_RECORD_HISTORY=1: fetches the history of a finished run, checks it covers what `covers` says, and writes
 * test/fixtures/histories/<name>.history.pb and its manifest entry. A previous recording under that name made by
 * different workflow code is kept beside it as <name>@<its code hash> (runs of its age may still be in flight). Otherwise
 * does nothing.
 */
export async function recordHistory(client: Client, workflowId: string, runId: string | undefined, name: string, covers: Covers): Promise<void> {
  if (!recording()) return;
  coversSchema.parse(covers);
  // The run asked for, else the id's current run: its run id is pinned first so that the history is that run's.
  const run = runId ?? (await client.workflow.getHandle(workflowId).describe()).runId;
  const history = await client.workflow.getHandle(workflowId, run).fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const workflowType = started?.workflowType?.name ?? '';
  const problems = shortfalls(history, workflowType, covers);
  if (problems.length > 0) throw new Error(`history "${name}" (${workflowId}) does not cover what it should: ${problems.join('; ')}`);
  const bytes = encodeHistory(history);
  if (bytes.length > MAX_HISTORY_BYTES) {
    throw new Error(`history "${name}" (${workflowId}) is ${Math.round(bytes.length / 1024)} KB, over ${MAX_HISTORY_BYTES / 1024} KB: record a smaller run`);
  }

  await mkdir(HISTORIES_DIR, { recursive: true });
  const entries = await readManifest();
  const previous = entries.find((e) => e.name === name);
  const kept = entries.filter((e) => e.name !== name);
  const workflowCode = workflowCodeHash();
  if (previous && existsSync(historyFile(name)) && previous.workflowCode !== workflowCode) {
    let archived = `${name}@${previous.workflowCode.slice(0, 8)}`;
    for (let n = 2; kept.some((e) => e.name === archived); n++) archived = `${name}@${previous.workflowCode.slice(0, 8)}-${n}`;
    await rename(historyFile(name), historyFile(archived));
    kept.push({ ...previous, name: archived, supersededAt: today() });
  }
  await writeFile(historyFile(name), bytes);
  const entry: CorpusEntry = {
    name, workflowType, workflowId, runId: run,
    covers, recordedBy: callerTestFile(), recordedAt: today(), commit: git('rev-parse', 'HEAD'), workflowCode,
    events: history.events?.length ?? 0, bytes: bytes.length,
  };
  await writeFile(MANIFEST, manifestText([...kept, entry]));
}

const today = (): string => new Date().toISOString().slice(0, 10);

/** The corpus's total size, for the record script's summary. */
export async function corpusSize(): Promise<{ entries: number; bytes: number }> {
  const entries = await readManifest();
  let bytes = 0;
  for (const e of entries) if (existsSync(historyFile(e.name))) bytes += (await readFile(historyFile(e.name))).length;
  return { entries: entries.length, bytes };
}
