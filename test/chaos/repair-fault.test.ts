// Scenario 6: repair under fault: overlapping repair rounds over failed runs while a worker and then the Temporal server are SIGKILLed: each run repaired once.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPAIR_WORKFLOW, TASK_QUEUE } from '../../contracts/names.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { PipelineInput } from '../../lib/config/pipeline.js';
import { listRepairs } from '../../lib/store/repairs.js';
import { resolvePipeline, startLifecycle, type StartedRun } from '../../triggers/client.js';
import { startTestCluster, type TestCluster } from '../cluster/harness.js';
import { chaosFor } from './seed.js';
import { reportRow } from './report.js';

const FAILED = 6;
const ROUNDS = 4;
let cluster: TestCluster;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-chaos-repair-'));
  cluster = await startTestCluster({ workers: 2, replicas: 1 });
});
after(async () => {
  await cluster?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const live = (prefix: string) => cluster.processes.filter((p) => p.name.startsWith(prefix) && p.child.exitCode === null && p.child.signalCode === null);

test('repair rounds interrupted by a worker kill and a Temporal server kill: every failed run repaired once, never twice', async () => {
  const chaos = chaosFor('repair-fault');
  const flag = join(dir, 'dependency-up');
  const base = await resolvePipeline('seattle-weather');
  const definition = (i: number): PipelineInput => ({
    ...base, name: `chaos-repair-${chaos.seed}-${i}`, schedules: undefined,
    search: { ...base.search, folds: 3, space: { logreg: { l2: [0.1] } } },
    modules: [join(PROJECT_ROOT, 'test/fixtures/steps/control.ts')],
    repair: { maxAttempts: 2, backoffSeconds: 0 },
    steps: [
      { id: 'ingest', uses: 'ingest' },
      { id: 'validate', uses: 'validate', needs: ['ingest'] },
      { id: 'gate', uses: 'needs-flag', needs: ['validate'], with: { flag }, retry: { maximumAttempts: 1 } },
      { id: 'optimize', uses: 'optimize', needs: ['validate', 'gate'] },
      { id: 'package', uses: 'package', needs: ['optimize'] },
      { id: 'rollout', uses: 'rollout', needs: ['package'] },
    ],
  }) as PipelineInput;
  const failed: StartedRun[] = [];
  for (let i = 0; i < FAILED; i++) failed.push(await startLifecycle(cluster, definition(i), { rerun: true, reason: 'chaos: fails at its gate' }));
  for (const r of failed) await r.handle.result().then(() => assert.fail(`${r.workflowId} must fail at its gate`), () => undefined);
  await writeFile(flag, 'up');

  // Overlapping rounds, a worker SIGKILLed among them, then the Temporal server SIGKILLed and restarted.
  const rounds: Promise<unknown>[] = [];
  const faults = (async () => {
    await sleep(chaos.int(0, 1500));
    const victim = chaos.pick(live('worker-'));
    victim.child.kill('SIGKILL');
    await victim.exited;
    await sleep(chaos.int(1000, 4000));
    await cluster.addWorker();
    await sleep(chaos.int(0, 3000));
    const server = live('temporal').find((p) => p.name === 'temporal');
    assert.ok(server, 'the Temporal server runs');
    server.child.kill('SIGKILL');
    await server.exited;
    await sleep(chaos.int(1000, 5000));
    await cluster.restartTemporal();
  })();
  for (let k = 0; k < ROUNDS; k++) {
    const id = `chaos-repair-round-${chaos.seed}-${k}`;
    rounds.push(cluster.client.workflow.start(REPAIR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: id, args: [{ pipeline: null, dryRun: false }] }).then((h) => h.result()).catch((err: Error) => err));
    await sleep(chaos.int(200, 1500));
  }
  await faults;
  const ended = await Promise.all(rounds);
  // A clean round afterwards follows every restart to its end.
  const runsOf = async (workflowId: string): Promise<{ runId: string; status: string }[]> => {
    const out = [];
    for await (const w of cluster.client.workflow.list({ query: `WorkflowId="${workflowId}"` })) out.push({ runId: w.runId, status: w.status.name });
    return out;
  };
  for (const r of failed) {
    const latest = await cluster.client.workflow.getHandle(r.workflowId).describe();
    if (latest.runId !== r.runId) await cluster.client.workflow.getHandle(r.workflowId, latest.runId).result().catch(() => undefined);
  }
  await cluster.client.workflow.execute(REPAIR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: `chaos-repair-round-${chaos.seed}-final`, args: [{ pipeline: null, dryRun: false }] });
  for (const r of failed) {
    const latest = await cluster.client.workflow.getHandle(r.workflowId).describe();
    if (latest.runId !== r.runId) await cluster.client.workflow.getHandle(r.workflowId, latest.runId).result().catch(() => undefined);
  }

  const runs = await Promise.all(failed.map((r) => runsOf(r.workflowId)));
  const repairs = (await listRepairs(cluster.db, 500)).filter((r) => r.pipeline.startsWith(`chaos-repair-${chaos.seed}-`));
  const healed = runs.filter((rs) => rs.length === 2 && rs.some((x) => x.status === 'COMPLETED')).length;
  const twice = runs.filter((rs) => rs.length > 2).length + repairs.filter((r) => r.attempt > 1).length;
  const notRepaired = runs.filter((rs) => !rs.some((x) => x.status === 'COMPLETED')).length;
  const roundsFailed = ended.filter((e) => e instanceof Error).length;
  reportRow({
    scenario: '6. repair under fault: overlapping repair rounds, a worker and the Temporal server SIGKILLed while they repair',
    runs: FAILED, faults: 2, seed: chaos.seed,
    outcome: `${healed}/${FAILED} failed runs healed by one repair run each; ${repairs.length} repair records, ${repairs.filter((r) => r.outcome === 'healed').length} followed to "healed"; ${ROUNDS - roundsFailed}/${ROUNDS} interrupted rounds ended on their own`,
    lost: notRepaired, duplicated: twice,
  });
  assert.equal(notRepaired, 0, `every failed run has a completed repair: ${JSON.stringify(runs)}`);
  assert.equal(twice, 0, `no run repaired twice: ${JSON.stringify(runs)} ${JSON.stringify(repairs)}`);
  assert.deepEqual(repairs.map((r) => [r.decision, r.attempt, r.outcome]), failed.map(() => ['restarted', 1, 'healed']));
});
