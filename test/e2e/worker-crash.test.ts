// A worker SIGKILLed in the middle of a run is replaced: the run completes, with one model version and no repeated trial.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../worker/stack.js';
import { resolvePipeline, startLifecycle } from '../../triggers/client.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
const children: ChildProcess[] = [];

before(async () => {
  stack = await startTestStack({ worker: false });
});
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await stack?.teardown();
});

/** A worker in its own process, as in production; resolves once it polls. */
async function spawnWorker(): Promise<ChildProcess> {
  // One process (node with tsx's loader), so SIGKILL kills the worker itself and not a wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'worker/main.ts')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.info.temporalAddress,
      DATABASE_URL: stack.info.databaseUrl,
      MLCYCLE_STATE_DIR: stack.env.stateDir,
      MLCYCLE_ARTIFACT_DIR: stack.env.artifactDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('polling')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${output}`)));
  });
  return child;
}

test('SIGKILL of the worker mid-run: a new worker finishes it, one model version, each trial recorded once', async () => {
  const pipeline = { ...(await resolvePipeline('seattle-weather')), name: 'weather-crash' };
  const first = await spawnWorker();
  const run = await startLifecycle(stack.client, pipeline, { reason: 'crash test' });

  // Kill the worker as soon as the first activity has completed: the run is mid-flight.
  await eventually('the first completed activity', 60_000, async () => {
    const history = await run.handle.fetchHistory();
    return history.events?.some((e) => e.activityTaskCompletedEventAttributes) ? true : null;
  });
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));

  await spawnWorker();
  const result = await run.handle.result();
  assert.equal(result.model.version, 1);
  assert.equal(result.deployment?.role, 'champion');

  const versions = await stack.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM model_versions WHERE name = $1', [pipeline.name]);
  assert.equal(versions.rows[0].n, 1, 'no duplicate model version');
  const trials = await stack.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM trials WHERE run_id = $1', [run.workflowId]);
  assert.equal(trials.rows[0].n, (pipeline.search.space.logreg?.l2 as number[]).length);
  const deployments = await stack.db.query('SELECT champion_version FROM deployments WHERE model_name = $1', [pipeline.name]);
  assert.deepEqual(deployments.rows, [{ champion_version: 1 }]);
});
