// Upgrading under live runs: a rollout and a lifecycle run in flight on build A; build B (a workflow change) deployed; both finish on A, new runs take B.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { openArtifactStore } from '../../lib/store/artifactsEnv.js';
import { ROLLOUT_WORKFLOW, TASK_QUEUE, rolloutWorkflowId } from '../../contracts/names.js';
import { promoteUpdate } from '../../contracts/rollout.js';
import { deploymentVersions, setCurrentBuild } from '../../stack/deployments.js';
import { temporalConnectionOptions } from '../../temporal/connectionOptions.js';
import { workflowSourceHash } from '../../worker/worker.js';
import { startLifecycle } from '../../triggers/client.js';
import { parsePipeline } from '../../lib/config/pipeline.js';
import { championAndChallenger, fastPolicy, rolloutInput, TINY_A, TINY_B } from '../e2e/rolloutFixture.js';
import { makeBuildB } from './buildB.js';
import { startTestCluster, type TestCluster } from './harness.js';

let cluster: TestCluster;
let work: string;
let buildB: string;

before(async () => {
  cluster = await startTestCluster({ workers: 1, replicas: 1 });
  work = await mkdtemp(join(tmpdir(), 'mlcycle-upgrade-'));
});

after(async () => {
  await cluster?.teardown();
  if (work) await rm(work, { recursive: true, force: true });
  if (buildB) await rm(buildB, { recursive: true, force: true });
});

/** A user step that holds the run until a flag file appears (so the run is in flight across the deploy). */
const HOLD_MODULE = `import { existsSync, writeFileSync } from 'node:fs';
import { defineStep, z } from '${join(PROJECT_ROOT, 'lib/steps/define.ts')}';
export const hold = defineStep({
  name: 'hold', description: 'waits for a flag file', config: z.object({ flag: z.string() }).strict(), consumes: ['dataset'], produces: ['data'],
  async run(ctx, { config }) {
    writeFileSync(config.flag + '.started', '');
    while (!existsSync(config.flag)) { ctx.progress('holding'); await new Promise((r) => setTimeout(r, 200)); }
    return { data: { released: true }, summary: 'released' };
  },
});
`;

async function holdPipeline(flag: string) {
  await writeFile(join(work, 'steps.ts'), HOLD_MODULE);
  const weather = JSON.parse(await readFile(join(PROJECT_ROOT, 'examples/seattle-weather/pipeline.json'), 'utf8')) as Record<string, unknown>;
  const definition = {
    ...weather, name: 'upgrade-hold', data: { path: join(PROJECT_ROOT, 'examples/seattle-weather/train-2012-2013.csv') }, schedules: undefined,
    modules: [join(work, 'steps.ts')],
    steps: [{ id: 'ingest', uses: 'ingest' }, { id: 'hold', uses: 'hold', needs: ['ingest'], with: { flag }, timeoutSeconds: 600 }],
  };
  const file = join(work, 'pipeline.json');
  await writeFile(file, JSON.stringify(definition));
  return parsePipeline(definition, file, work);
}

type Event = temporal.api.history.v1.IHistoryEvent;

/** The run's result, or its failure's cause in the assertion message. */
async function resultOf<T>(client: Client, workflowId: string, runId?: string): Promise<T> {
  return client.workflow.getHandle(workflowId, runId).result().catch((err: Error & { cause?: Error & { cause?: Error } }) => {
    throw new Error(`${workflowId} failed: ${err.cause?.message ?? ''} ${err.cause?.cause?.message ?? ''}`);
  }) as Promise<T>;
}

async function history(client: Client, workflowId: string, runId?: string): Promise<Event[]> {
  return (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
}

/** The build ids that completed the run's workflow tasks. */
function completedBy(events: Event[]): Set<string> {
  return new Set(events.filter((e) => e.workflowTaskCompletedEventAttributes).map((e) => e.workflowTaskCompletedEventAttributes?.deploymentVersion?.buildId ?? '(unversioned)'));
}

/** B's marker: a 1 ms timer (its summary is encrypted by the codec, so the timer is told by its duration). */
function hasBMarker(events: Event[]): boolean {
  return events.some((e) => {
    const t = e.timerStartedEventAttributes?.startToFireTimeout;
    return t !== undefined && t !== null && Number(t.seconds ?? 0) === 0 && t.nanos === 1_000_000;
  });
}

test('a rollout and a lifecycle run started on build A finish on A after build B is deployed; new runs take B', { timeout: 600_000 }, async () => {
  const buildA = workflowSourceHash();
  const { client, db } = cluster;
  const artifacts = openArtifactStore(join(cluster.env.stateDir, 'test-artifacts'), { ...process.env, ...cluster.info.clientEnv });

  // In flight on A: a rollout (no traffic, so it waits in shadow) and a lifecycle run held by its user step.
  const { v2 } = await championAndChallenger({ db, artifacts } as never, 'upg', TINY_A, TINY_B);
  const rollout = await client.workflow.start(ROLLOUT_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: rolloutWorkflowId('upg'), args: [rolloutInput('upg', v2, fastPolicy())] });
  const flag = join(work, 'release');
  const held = await startLifecycle({ client, db }, await holdPipeline(flag), { reason: 'upgrade test: in flight across the deploy' });
  const deadline = Date.now() + 120_000;
  while (!existsSync(`${flag}.started`)) {
    assert.ok(Date.now() < deadline, 'the hold step did not start within 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }

  // Deploy B: its workers poll, then B becomes current.
  buildB = await makeBuildB();
  const idB = `b-${buildA.slice(0, 8)}`;
  await cluster.addWorker({ projectRoot: buildB, buildId: idB });
  const target = { address: cluster.info.temporalAddress, namespace: 'default', connectionOptions: temporalConnectionOptions(cluster.info.clientEnv), deploymentName: 'mlcycle' };
  await setCurrentBuild({ ...target, buildId: idB });

  // Both in-flight runs go on, on A: the run's step is released, the rollout is promoted by a person.
  await writeFile(flag, '');
  const heldResult = await resultOf<{ steps: { id: string; state: string }[] }>(client, held.workflowId, held.runId);
  assert.equal(heldResult.steps.find((s: { id: string }) => s.id === 'hold')?.state, 'done');
  const promoted = await rollout.executeUpdate(promoteUpdate, { args: [{ actor: 'upgrade-test', reason: 'decided by a person during the deploy' }] });
  assert.equal(promoted.status, 'promoted');
  await rollout.result();
  for (const [what, events] of [['lifecycle', await history(client, held.workflowId, held.runId)], ['rollout', await history(client, rollout.workflowId)]] as const) {
    assert.deepEqual([...completedBy(events)], [buildA], `the ${what} run's workflow tasks were all completed by build A`);
    assert.equal(hasBMarker(events), false, `the ${what} run never ran B's code`);
  }

  // A new run takes B: B's first command (the marker timer) is in its history, and B completed its workflow tasks.
  const fresh = await startLifecycle({ client, db }, await holdPipeline(flag), { reason: 'upgrade test: after the deploy', rerun: true });
  await resultOf(client, fresh.workflowId, fresh.runId);
  const freshEvents = await history(client, fresh.workflowId, fresh.runId);
  assert.ok(hasBMarker(freshEvents), 'the new run ran B (its marker timer is in the history)');
  assert.deepEqual([...completedBy(freshEvents)], [idB]);

  // The CLI finds the cluster (and its codec keys) through stack.json alone, as a user's shell would.
  const status = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'triggers/cli.ts'), 'status', '--json'], {
    env: { PATH: process.env.PATH ?? '', ...cluster.cliEnv }, encoding: 'utf8', timeout: 60_000,
  });
  assert.equal(status.status, 0, status.stderr);
  assert.ok(status.stdout.includes(held.workflowId) && status.stdout.includes(fresh.workflowId), 'mlcycle status lists both runs');

  const versions = await deploymentVersions(target);
  assert.equal(versions.find((v) => v.buildId === idB)?.status, 'CURRENT');
  assert.ok(['DRAINING', 'DRAINED'].includes(versions.find((v) => v.buildId === buildA)?.status ?? ''), `A is draining or drained: ${JSON.stringify(versions)}`);
});
