// Determinism: recorded histories (a DAG with parallel branches; a rollout steered by Updates) replay on the current workflow code.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { workflowBundle } from '../../worker/worker.js';

const FIXTURE = join(PROJECT_ROOT, 'test/fixtures/histories/weather-steps.history.pb');

test('the recorded weather-steps run (validate ∥ rules, 8 steps) replays without nondeterminism', async () => {
  assert.ok(existsSync(FIXTURE), 'record it with MLCYCLE_RECORD_HISTORY=1 npx tsx --test test/e2e/dag.test.ts');
  const history = proto.temporal.api.history.v1.History.decode(await readFile(FIXTURE));
  const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
  assert.ok(scheduled.includes('validateDataset') && scheduled.filter((t) => t === 'runUserStep').length === 3, 'the fixture has the parallel branches');
  const cacheDir = await mkdtemp(join(tmpdir(), 'mlcycle-replay-'));
  try {
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(cacheDir) }, history, 'lifecycle:weather-steps:recorded');
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
});

test('the recorded rollout steered by people (pause, resume, traffic, rollback Updates) replays without nondeterminism', async () => {
  const fixture = join(PROJECT_ROOT, 'test/fixtures/histories/rollout-steer.history.pb');
  assert.ok(existsSync(fixture), 'record it with MLCYCLE_RECORD_HISTORY=1 npx tsx --test test/e2e/rollout.test.ts');
  const history = proto.temporal.api.history.v1.History.decode(await readFile(fixture));
  const updates = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name);
  assert.deepEqual(updates, ['pause', 'resume', 'setTraffic', 'rollback'], 'the fixture has the accepted Updates (refused ones leave no event)');
  const cacheDir = await mkdtemp(join(tmpdir(), 'mlcycle-replay-'));
  try {
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(cacheDir) }, history, 'rollout:tiny-steer');
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
});
