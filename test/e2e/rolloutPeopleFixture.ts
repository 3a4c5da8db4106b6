// Fixtures for the tests of how people start and steer rollouts: the CLI as a child process, stored definitions, tokens, audit rows.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PipelineRef } from '../../contracts/steps.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { registerDefinition } from '../../triggers/client.js';
import type { TestStack } from '../harness.js';

/** Tokens of the test stack: alice may operate; bob may only score. */
export const ALICE = { subject: 'alice', token: 'alice-operates-0123456789', roles: ['operate', 'score', 'feedback'] as ('operate' | 'score' | 'feedback')[] };
export const BOB = { subject: 'bob', token: 'bob-only-scores-0123456789', roles: ['score'] as ('operate' | 'score' | 'feedback')[] };

/** The actor a local CLI run by this test is audited as. */
export const OS_ACTOR = `os:${userInfo().username} (self-declared)`;

/** Runs `mlcycle …` as a user would, against the test stack (found through its stack.json); never throws. */
export async function cli(stack: TestStack, ...args: string[]): Promise<{ code: number; out: string }> {
  const env = { ...process.env, MLCYCLE_STATE_DIR: stack.env.stateDir, USER: 'someone-else', LOGNAME: 'someone-else' };
  try {
    const r = await promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), ...args], { env, timeout: 90_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** A rollout policy on a fast clock that decides nothing without traffic (people decide in these tests). */
export function slowPolicy(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    intervalSeconds: 1, alpha: 0.05, minEffect: 0.1, maxSamples: 3000,
    stages: [
      { name: 'shadow', traffic: 1, minSamples: 40, maxDurationSeconds: 600 },
      { name: 'ab', traffic: 0.5, minSamples: 40, maxDurationSeconds: 600 },
    ],
    ...overrides,
  };
}

/** A pipeline definition for model `name` (tiny models' features) with this rollout policy, as a JSON-able object. */
export function definitionOf(name: string, dataPath: string, rollout: Record<string, unknown>): Record<string, unknown> {
  return {
    name, data: { path: dataPath }, target: 'label', features: { numeric: ['x1'], categorical: ['color'] },
    search: { space: { logreg: { l2: [0.1] } } }, gate: { metric: 'accuracy', minimum: 0.5, minImprovement: 0 }, rollout,
  };
}

/** A folder below the data roots holding a tiny CSV, for definitions to name as their data. */
export async function dataFolder(): Promise<{ dir: string; csv: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-rollout-people-'));
  const csv = join(dir, 'tiny.csv');
  await writeFile(csv, 'x1,color,label\n0.1,red,yes\n-0.4,blue,no\n0.3,green,no\n');
  return { dir, csv };
}

/** Stores a definition as a lifecycle run would (checked, versioned by content). */
export async function storeDefinition(stack: TestStack, definition: Record<string, unknown>): Promise<PipelineRef> {
  return (await registerDefinition(stack.db, definition as never)).ref;
}

export interface AuditRow {
  actor: string;
  action: string;
  subject: string;
  reason: string | null;
  refusal: string | null;
  via: string | null;
}

/** Audit rows whose action starts with `<prefix>_`, for `model` or one of its versions, in order. */
export async function auditOf(stack: TestStack, model: string, prefix: 'rollout' | 'approval'): Promise<AuditRow[]> {
  const r = await stack.db.query<AuditRow>(
    `SELECT actor, action, subject, details->>'reason' AS reason, details->>'refusal' AS refusal, details->>'via' AS via
       FROM audit_log WHERE action LIKE $2 || '\\_%' AND (subject = $1 OR subject LIKE $1 || '@%') ORDER BY id`,
    [model, prefix],
  );
  return r.rows;
}

export const rolloutAudit = (stack: TestStack, model: string): Promise<AuditRow[]> => auditOf(stack, model, 'rollout');

/** The rollout input a run of `rollout:<model>` was started with, read from its history (the test stack has no codec). */
export async function inputOfRun(stack: TestStack, workflowId: string, runId?: string): Promise<{ challenger: { version: number }; policy: { minEffect: number }; pipeline: PipelineRef | null; startedBy: string }> {
  const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return JSON.parse(Buffer.from(payload?.data ?? new Uint8Array()).toString('utf8')) as never;
}
