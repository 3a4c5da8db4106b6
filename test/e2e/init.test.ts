// `mlcycle init` as a new user runs it: a folder outside the project, its own test passing, and `mlcycle run` completing on it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { stepRunsOf } from '../../lib/store/stepResults.js';
import { startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
let home: string;
before(async () => {
  stack = await startTestStack();
  home = await mkdtemp(join(tmpdir(), 'mlcycle-init-'));
});
after(async () => {
  await stack?.teardown();
  if (home) await rm(home, { recursive: true, force: true });
});

/** The CLI as a child process, awaited (never spawnSync: this process hosts the test stack's worker, which must keep running). */
async function mlcycle(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), ...args], { cwd, env: { ...env, MLCYCLE_STATE_DIR: stack.env.stateDir }, timeout: 600_000 }, (err, stdout, stderr) => {
      done({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('init writes a folder whose test passes and whose pipeline runs to a model, importing "mlcycle/steps"', async () => {
  const dir = join(home, 'Churn Model');
  const init = await mlcycle(home, ['init', dir]);
  assert.equal(init.status, 0, init.stderr);
  assert.match(init.stdout, /wrote pipeline\.json \(churn-model\), steps\.ts, steps\.test\.ts, data\.csv, package\.json/);
  assert.equal((await stat(dir)).mode & 0o777, 0o777 & ~process.umask(), 'an ordinary folder, not a private temporary one');
  assert.match(await readFile(join(dir, 'steps.ts'), 'utf8'), /from 'mlcycle\/steps'/);

  // The folder's own `npm test`, as a user runs it (not as a child of this test runner).
  const { NODE_TEST_CONTEXT: _child, ...env } = process.env;
  const own = await new Promise<{ status: number; stdout: string; stderr: string }>((done) => {
    execFile('npm', ['test'], { cwd: dir, env }, (err, stdout, stderr) => done({ status: err ? 1 : 0, stdout, stderr }));
  });
  assert.equal(own.status, 0, own.stdout + own.stderr);
  assert.match(own.stdout, /# pass 3/);

  const run = await mlcycle(dir, ['run', 'pipeline.json']);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const workflowId = /started (lifecycle:churn-model:\S+)/.exec(run.stdout)?.[1];
  assert.ok(workflowId, run.stdout);
  const steps = await stepRunsOf(stack.db, workflowId);
  assert.deepEqual(steps.map((s) => [s.stepId, s.status]), ['ingest', 'prepare', 'validate', 'optimize', 'package', 'rollout'].map((s) => [s, 'executed']));
  const models = await stack.db.query<{ version: number }>("SELECT version FROM model_versions WHERE name = 'churn-model'");
  assert.equal(models.rows.length, 1, 'a model version registered');
});

test('init refuses a folder that is not empty and a name that cannot be a pipeline, writing nothing', async () => {
  const taken = join(home, 'taken');
  const filled = await mlcycle(home, ['init', taken, '--no-install']);
  assert.equal(filled.status, 0, filled.stderr);
  const again = await mlcycle(home, ['init', taken, '--no-install']);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /taken is not empty \(.*\): init writes a new folder/);
  const bad = await mlcycle(home, ['init', join(home, 'ok'), '--name', 'Not A Name', '--no-install']);
  assert.match(bad.stderr, /"Not A Name" cannot name a pipeline/);
  await assert.rejects(stat(join(home, 'ok')));
  const left = (await readdir(home)).filter((f) => f.includes('-init-'));
  assert.deepEqual(left, [], 'no temporary folder left behind');
});
