// An audit row written by an activity is written once: an attempt retried after its worker was lost (the row already in) adds none.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../../activities/deps.js';
import type { TrainingPool } from '../../activities/trainingPool.js';
import { createRolloutActivities } from '../../activities/rollout.js';
import { audit } from '../../lib/store/models.js';
import { startTestStack, type TestStack } from './harness.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.stop();
});

const rows = async (subject: string): Promise<string[]> =>
  (await stack.db.query<{ a: string }>('SELECT action || \' \' || actor AS a FROM audit_log WHERE subject = $1 ORDER BY id', [subject])).rows.map((r) => r.a);

test("an activity's audit row survives its retry once; another activity's row, or a client's, is its own", async () => {
  const deps = { db: stack.db, artifacts: stack.artifacts, temporal: null as unknown as Client, taskQueue: 'unused', reportsDir: '', databaseUrl: '', training: null as unknown as TrainingPool } as ActivityDeps;
  const acts = createRolloutActivities(deps);
  const input = { model: 'once', version: 2, actor: 'alice', action: 'rollout_promote', reason: 'looks good', runId: 'rollout:once/r1' };
  const run = { workflowId: 'rollout:once', runId: 'r1' };
  // Attempt 1 writes the row, then its worker is lost before the completion reaches the server; attempt 2 runs it again.
  await new MockActivityEnvironment({ activityId: '7', attempt: 1, workflowExecution: run }).run(acts.auditRollout, input);
  await new MockActivityEnvironment({ activityId: '7', attempt: 2, workflowExecution: run }).run(acts.auditRollout, input);
  assert.deepEqual(await rows('once@2'), ['rollout_promote alice']);
  // The same action again, by a later command (another activity), is a second row; so is a client's own audit.
  await new MockActivityEnvironment({ activityId: '12', attempt: 1, workflowExecution: run }).run(acts.auditRollout, { ...input, actor: 'bob' });
  await audit(stack.db, 'carol', 'rollout_promote', 'once@2', {});
  await audit(stack.db, 'carol', 'rollout_promote', 'once@2', {});
  assert.deepEqual(await rows('once@2'), ['rollout_promote alice', 'rollout_promote bob', 'rollout_promote carol', 'rollout_promote carol']);
});
