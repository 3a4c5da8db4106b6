// The orchestration load figure: 100 lifecycle runs started at once over POST /v1/runs, then a 1,000-step DAG, on the cluster; throughput, per-step overhead, history sizes.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadPipeline } from '../../lib/config/pipeline.js';
import { startLifecycle } from '../../triggers/client.js';
import { startTestCluster, type TestCluster } from '../cluster/harness.js';
import { chaosFor } from './seed.js';
import { reportLoad, reportRow } from './report.js';
import { chainFacts, fanDag, kb, median, quantileOf, smallSteps, writeNoopModule, type ChainFacts } from './orchestration.js';

const RUNS = 100;
const DAG_STEPS = 1000;
const DAG_GROUPS = 32;
/** The same DAG again, started by a client whose MLCYCLE_CONTINUE_AS_NEW_EVENTS is small: the continuations and their carry measured. */
const SMALL_BUDGET = 1000;
/** Temporal's limits per run: events and bytes of one history, and one payload (the continue-as-new input among them). */
const LIMIT_EVENTS = 50_000;
const LIMIT_HISTORY_BYTES = 50 * 1024 * 1024;
const LIMIT_PAYLOAD_BYTES = 2 * 1024 * 1024;
const TOKEN = `orch-load-${process.pid}-operate-token`;
let cluster: TestCluster;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-chaos-orch-'));
  // The replicas as production runs them: a bearer token with the operate role for the start API (stack/cluster.ts passes MLCYCLE_TOKENS on).
  const tokens = process.env.MLCYCLE_TOKENS;
  process.env.MLCYCLE_TOKENS = `orch-load:${TOKEN}:operate`;
  try {
    cluster = await startTestCluster({ workers: 2, replicas: 2 });
  } finally {
    if (tokens === undefined) delete process.env.MLCYCLE_TOKENS;
    else process.env.MLCYCLE_TOKENS = tokens;
  }
});
after(async () => {
  await cluster?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Started { status: number; workflowId?: string; message?: string; sent: number }

/** POST /v1/runs through the balancer, as another service would: the pipeline file below a data root, the operate token. */
async function postRun(file: string, reason: string): Promise<Started> {
  const sent = Date.now();
  try {
    const res = await fetch(`${cluster.info.httpUrl}/v1/runs`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ pipeline: file, reason }), signal: AbortSignal.timeout(60_000),
    });
    const body = (await res.json()) as { workflowId?: string; message?: string };
    return { status: res.status, workflowId: body.workflowId, message: body.message, sent };
  } catch (err) {
    return { status: 0, message: (err as Error).message, sent };
  }
}

/** Waits for the run's result; its history says how it closed. */
async function finished(workflowId: string): Promise<ChainFacts> {
  await cluster.client.workflow.getHandle(workflowId).result().catch(() => undefined);
  return chainFacts(cluster.client, workflowId);
}

/** (run, step) pairs the store recorded executed more than once, and executed steps per run. */
async function stepRecords(ids: string[]): Promise<{ twice: string[]; executed: Map<string, number> }> {
  const rows = (await cluster.db.query<{ run_id: string; step_id: string; n: number }>(
    "SELECT run_id, step_id, COUNT(*)::int AS n FROM step_runs WHERE run_id = ANY($1) AND status = 'executed' GROUP BY run_id, step_id", [ids])).rows;
  const executed = new Map<string, number>();
  for (const r of rows) executed.set(r.run_id, (executed.get(r.run_id) ?? 0) + 1);
  return { twice: rows.filter((r) => r.n > 1).map((r) => `${r.run_id} ${r.step_id} ×${r.n}`), executed };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

test('100 runs started at once over HTTP all complete; a 1,000-step DAG completes; throughput, step overhead and history sizes', { timeout: 7 * 60_000 }, async () => {
  const chaos = chaosFor('orchestration-load');
  const module = await writeNoopModule(dir);
  const small = join(dir, 'small.json');
  const big = join(dir, 'dag.json');
  await writeFile(small, JSON.stringify({ name: `orch-small-${chaos.seed}`, modules: [module], steps: smallSteps() }));
  await writeFile(big, JSON.stringify({ name: `orch-dag-${chaos.seed}`, modules: [module], steps: fanDag(DAG_STEPS, DAG_GROUPS) }));

  // 1. All 100 POSTs at once, then every run followed to its close.
  const starts = await Promise.all(Array.from({ length: RUNS }, (_, i) => postRun(small, `orchestration load ${i + 1}`)));
  const firstSent = Math.min(...starts.map((s) => s.sent));
  const accepted = starts.filter((s) => s.status === 202 && s.workflowId).map((s) => s.workflowId!);
  const refused = starts.filter((s) => s.status !== 202).map((s) => `${s.status} ${s.message ?? ''}`);
  const runs = await Promise.all(accepted.map((id) => finished(id)));
  const completed = runs.filter((r) => r.completed);
  const lastClose = Math.max(...completed.map((r) => r.closedAt));
  const perMin = completed.length / ((lastClose - firstSent) / 60_000);
  const overheads = runs.flatMap((r) => r.overheads);

  // 2. The DAG: fan-out to 966 leaves in 32 groups, fan-in through the groups' joins to one end step; over HTTP (the
  // replicas' default budget of 10,000 events), then from a client with a budget of 1,000 events (continued runs, carry).
  const dagStart = await postRun(big, 'orchestration load: 1,000-step DAG');
  const dag = dagStart.workflowId ? await finished(dagStart.workflowId) : null;
  const dagWall = dag ? (dag.closedAt - dagStart.sent) / 1000 : NaN;
  const budget = process.env.MLCYCLE_CONTINUE_AS_NEW_EVENTS;
  process.env.MLCYCLE_CONTINUE_AS_NEW_EVENTS = String(SMALL_BUDGET);
  const paged = await startLifecycle(cluster, await loadPipeline(big), { reason: 'orchestration load: 1,000-step DAG, small budget' }).finally(() => {
    if (budget === undefined) delete process.env.MLCYCLE_CONTINUE_AS_NEW_EVENTS;
    else process.env.MLCYCLE_CONTINUE_AS_NEW_EVENTS = budget;
  });
  const dagPaged = await finished(paged.workflowId);

  const posted = [...accepted, ...(dagStart.workflowId ? [dagStart.workflowId] : [])];
  const ids = [...posted, paged.workflowId];
  const store = await stepRecords(ids);
  const per = smallSteps().length;
  const audited = (await cluster.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM audit_log WHERE action = 'start_run' AND subject = ANY($1) AND actor = 'orch-load'", [ids])).rows[0].n;
  // Steps completed more often than the runs have steps (in the histories), or recorded executed twice (in the store).
  const dags = [dag, dagPaged];
  const extra = runs.reduce((n, r) => n + Math.max(0, r.completions - per), 0) + dags.reduce((n, d) => n + Math.max(0, (d?.completions ?? 0) - DAG_STEPS), 0);
  const duplicated = store.twice.length + extra;
  const lost = RUNS - completed.length + dags.filter((d) => !d?.completed).length;

  const events = runs.map((r) => r.events);
  const bytes = runs.map((r) => r.bytes);
  const perStepEvents = dag ? dag.events / DAG_STEPS : NaN;
  const perStepBytes = dag ? dag.bytes / DAG_STEPS : NaN;
  const dagOverheads = dag?.overheads ?? [];
  const stepFigure = (xs: number[]): string => `median ${median(xs)} ms, p99 ${quantileOf(xs, 0.99)} ms`;
  reportLoad({
    name: `Orchestration: ${RUNS} runs of a 4-step pipeline of no-op user steps (no data, no rollout) POSTed at once to /v1/runs, then a ${int(DAG_STEPS)}-step fan-out/fan-in DAG (2 workers, 2 replicas)`,
    figures: {
      'runs/min (first POST → last completion)': perMin.toFixed(1),
      'first POST → last completion': `${((lastClose - firstSent) / 1000).toFixed(1)} s`,
      'no-op step schedule-to-close': stepFigure(overheads), 'start-to-close': stepFigure(runs.flatMap((r) => r.running)),
      'history per run median': `${median(events)} events, ${kb(median(bytes))}`, max: `${Math.max(...events)} events, ${kb(Math.max(...bytes))}`,
      'DAG wall (POST → close)': `${dagWall.toFixed(1)} s`, 'DAG step schedule-to-close': stepFigure(dagOverheads),
      'DAG history': `${int(dag?.events ?? 0)} events, ${kb(dag?.bytes ?? 0)} in ${dag?.runs ?? 0} run(s) (${(dag?.runs ?? 1) - 1} continued)`,
      'per step': `${perStepEvents.toFixed(2)} events, ${int(perStepBytes)} bytes`,
      'one run would reach 50k events at': `${int(LIMIT_EVENTS / perStepEvents)} steps`, '50 MB at': `${int(LIMIT_HISTORY_BYTES / perStepBytes)} steps`,
      [`DAG at a ${int(SMALL_BUDGET)}-event budget`]: `${((dagPaged.closedAt - dagPaged.startedAt) / 1000).toFixed(1)} s, ${dagPaged.runs - 1} continued runs, ${int(dagPaged.events)} events`,
      'largest continue-as-new input': `${kb(dagPaged.carryBytes)} (2 MB limit: ${(LIMIT_PAYLOAD_BYTES / Math.max(1, dagPaged.carryBytes)).toFixed(0)}×)`,
    },
  });
  reportRow({
    scenario: `Orchestration load: ${RUNS} concurrent HTTP starts + a ${int(DAG_STEPS)}-step DAG, twice (2 workers, 2 replicas)`,
    runs: ids.length, faults: 0, seed: chaos.seed, lost, duplicated,
    outcome: `${accepted.length}/${RUNS} POSTs accepted, ${completed.length}/${RUNS} completed at ${perMin.toFixed(1)} runs/min (no-op step schedule-to-close ${stepFigure(overheads)}); `
      + `DAG ${dag?.completed ? 'completed' : 'NOT completed'} in ${dagWall.toFixed(1)} s (${int(dag?.events ?? 0)} events, ${dag?.runs ?? 0} run), `
      + `and at a ${int(SMALL_BUDGET)}-event budget ${dagPaged.completed ? 'completed' : 'NOT completed'} over ${dagPaged.runs} runs`,
  });

  assert.deepEqual(refused, [], 'every POST was accepted (202)');
  assert.equal(completed.length, RUNS, `${RUNS - completed.length} runs did not complete`);
  assert.equal(audited, posted.length, 'one start_run audit row per accepted POST');
  assert.deepEqual(runs.filter((r) => r.completions !== per).map((r) => r.completions), [], 'each small run completed its 4 steps once in its history');
  assert.deepEqual(accepted.filter((id) => store.executed.get(id) !== per), [], 'each small run recorded its 4 steps executed');
  for (const [d, id] of [[dag, dagStart.workflowId], [dagPaged, paged.workflowId]] as const) {
    assert.ok(d?.completed, `${id}: the DAG completed`);
    assert.equal(d.completions, DAG_STEPS, `${id}: its histories completed each step once`);
    assert.equal(store.executed.get(id!), DAG_STEPS, `${id}: the store recorded each step executed`);
  }
  assert.ok(dagPaged.runs > 1, 'the small budget continued the DAG as new');
  assert.deepEqual(store.twice, [], 'no step recorded twice');
});
