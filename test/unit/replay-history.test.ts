// Determinism: every recorded history in the corpus (test/fixtures/histories/manifest.json) replays on the current workflow code.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import {
  MANIFEST, RECORD_COMMAND, exportedWorkflowTypes, fixtureNames, historyFile, loadHistory, readManifest, recordCommandFor, replayAll, shortfalls,
  type CorpusEntry, type History,
} from '../historyCorpus.js';

// Read at load time: one test per entry.
const entries: CorpusEntry[] = await readManifest();
const histories = new Map<string, History>();
let replayed = new Map<string, Error | undefined>();

before(async () => {
  for (const e of entries) if (existsSync(historyFile(e.name))) histories.set(e.name, await loadHistory(e.name));
  // One bundle and one replay worker for the whole corpus.
  replayed = await replayAll(entries.filter((e) => histories.has(e.name)).map((e) => ({ name: e.name, workflowId: e.workflowId, history: histories.get(e.name) as History })));
});

test('the corpus has a manifest, and every history file in it has a manifest entry', () => {
  assert.ok(existsSync(MANIFEST), `${relative(PROJECT_ROOT, MANIFEST)} is missing: record the corpus with ${RECORD_COMMAND}`);
  const listed = new Set(entries.map((e) => e.name));
  const orphans = fixtureNames().filter((n) => !listed.has(n));
  assert.deepEqual(orphans, [], `history files without a manifest entry (never replayed): re-record them with ${RECORD_COMMAND}, or delete them`);
});

test('every workflow type the worker registers has at least one recorded history', async () => {
  const types = await exportedWorkflowTypes();
  assert.ok(types.length > 0, 'workflows/index.ts exports workflows');
  const covered = new Set(entries.map((e) => e.workflowType));
  const missing = types.filter((t) => !covered.has(t));
  assert.deepEqual(missing, [], 'record a history of each in an e2e test that runs it (recordHistory in test/histories.ts), then ' + RECORD_COMMAND);
  const unknown = [...covered].filter((t) => !types.includes(t));
  assert.deepEqual(unknown, [], 'histories of workflow types workflows/index.ts no longer exports: runs of them may still be in flight');
});

for (const entry of entries) {
  const file = relative(PROJECT_ROOT, historyFile(entry.name));
  test(`history "${entry.name}" (${entry.workflowType}: ${entry.covers.about}) replays on the current workflow code`, () => {
    assert.ok(existsSync(historyFile(entry.name)), `${file} is missing: record it with ${recordCommandFor(entry)} (or ${RECORD_COMMAND})`);
    const history = histories.get(entry.name) as History;
    const problems = shortfalls(history, entry.workflowType, entry.covers);
    assert.deepEqual(problems, [], `${file} no longer covers what the manifest says it does`);
    assert.ok(replayed.has(entry.name), `${file} was not replayed`);
    const error = replayed.get(entry.name);
    if (error) assert.fail(`history "${entry.name}" (${file}, ${entry.workflowId}) does not replay on the current workflow code: ${error.name}: ${error.message}`);
  });
}
