// A DAG of user steps from a folder outside the project: no ML sections needed; a failure's story in the Web UI's terms
// (memo, MlcycleFailedStep, MlcycleRepairOf), and every message naming the failed step once.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { PipelineError, type PipelineInput } from '../../lib/config/pipeline.js';
import { FAILED_STEP_ATTRIBUTE, PIPELINE_ATTRIBUTE, REPAIR_WORKFLOW, TASK_QUEUE } from '../../contracts/names.js';
import type { LifecycleResult, RepairResult } from '../../contracts/types.js';
import { startLifecycle } from '../../triggers/client.js';
import { followRun } from '../../triggers/progress.js';
import { collectStatus, formatStatus } from '../../triggers/status.js';
import { recordHistory } from '../histories.js';
import { startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
let dir: string;
let module: string;
const DATA = join(PROJECT_ROOT, 'examples/seattle-weather/train-2012-2013.csv');

before(async () => {
  stack = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-general-'));
  module = join(dir, 'steps.ts');
  await writeFile(
    module,
    `import { existsSync } from 'node:fs';
import { defineStep, z } from ${JSON.stringify(join(PROJECT_ROOT, 'lib/steps/define.ts'))};
export const fetchRates = defineStep({
  name: 'fetch-rates', description: 'today\\'s rates', produces: ['data'], cache: false,
  async run() { return { data: { eur: 1.08, gbp: 1.27 }, summary: '2 rates' }; },
});
export const report = defineStep({
  name: 'report', description: 'the highest rate', consumes: ['data'], produces: ['data'],
  async run(_ctx, { inputs }) { const r = inputs.data as Record<string, number>; return { data: { top: Math.max(...Object.values(r)) }, summary: 'reported' }; },
});
export const publish = defineStep({
  name: 'publish', description: 'posts to a hook that answers once a flag file exists', cache: false, config: z.object({ flag: z.string() }),
  async run(_ctx, { config }) { if (!existsSync(config.flag)) throw new Error('the hook answered 503'); return { summary: 'published' }; },
});
export const shape = defineStep({
  name: 'bad-shape', description: 'returns a field no step may return', cache: false,
  async run() { return { rows: 3 } as never; },
});
`,
  );
});
after(async () => {
  await stack?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 20_000): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const found = await probe();
    if (found !== null) return found;
  }
  return assert.fail(`timed out waiting for ${what}`);
}

/** The CLI as a child process, awaited (this process hosts the test stack's worker, which must keep running). */
async function mlcycle(cwd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), ...args], { cwd, env: { ...process.env, MLCYCLE_STATE_DIR: stack.env.stateDir }, timeout: 300_000 }, (err, stdout, stderr) => {
      done({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function listed(client: Client, query: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const w of client.workflow.list({ query })) runs.push(w.runId);
  return runs;
}

test('a pipeline of user steps declares no data, target, features or search and runs to the end; its memo names it', async () => {
  const definition: PipelineInput = {
    name: 'rates', modules: [module],
    steps: [{ id: 'fetch', uses: 'fetch-rates' }, { id: 'report', uses: 'report', needs: ['fetch'] }],
  };
  const run = await startLifecycle(stack, definition);
  assert.match(run.workflowId, /^lifecycle:rates:def-[0-9a-f]{16}-[0-9a-z]+$/, 'no data: the id comes from the definition version and the time');
  assert.ok(run.workflowId.includes(run.pipeline.version));
  const result = (await run.handle.result()) as LifecycleResult;
  assert.deepEqual(result.steps.map((s) => [s.id, s.state]), [['fetch', 'done'], ['report', 'done']]);
  assert.deepEqual(result.outputs.report?.data, { top: 1.27 });
  const d = await run.handle.describe();
  assert.deepEqual(d.memo, { pipeline: 'rates', definition: `rates@${run.pipeline.version}`, dataVersion: run.workflowId.split(':')[2], source: 'none' });
  assert.deepEqual(d.typedSearchAttributes.get(PIPELINE_ATTRIBUTE), 'rates');
  await recordHistory(stack.client, run.workflowId, run.runId, 'lifecycle-no-data', {
    about: 'a DAG of user steps on a definition without data, target, features or search: memo at the start, no ingest', outcome: 'completed',
    activities: ['executeStep'], events: ['MARKER_RECORDED', 'WORKFLOW_PROPERTIES_MODIFIED'],
  });

  // A built-in that reads a section the definition leaves out is refused before anything starts, by path.
  const tuned = { ...definition, name: 'rates-tuned', steps: [...(definition.steps ?? []), { id: 'tune', uses: 'optimize', needs: ['report'] }] };
  const refused = await startLifecycle(stack, tuned).then(() => assert.fail('must be refused'), (e: unknown) => e);
  assert.ok(refused instanceof PipelineError);
  assert.match(refused.message, /^ {2}- steps\.2: "tune" \(optimize\) needs "target", "features" and "search", which this pipeline does not declare$/m);
  assert.deepEqual(await listed(stack.client, 'MlcyclePipeline="rates-tuned"'), []);
});

test('two starts of a pipeline without data in the same millisecond are two runs: neither is refused as already started', async (t) => {
  const definition: PipelineInput = { name: 'rates-same-ms', modules: [module], steps: [{ id: 'fetch', uses: 'fetch-rates' }] };
  const now = Date.now();
  t.mock.method(Date, 'now', () => now);
  const runs = await Promise.all([startLifecycle(stack, definition), startLifecycle(stack, definition)]).finally(() => t.mock.restoreAll());
  assert.notEqual(runs[0].workflowId, runs[1].workflowId);
  for (const r of runs) assert.deepEqual(((await r.handle.result()) as LifecycleResult).steps.map((s) => s.state), ['done']);
});

test('a step that breaks the output contract fails the run naming it once', async () => {
  const run = await startLifecycle(stack, { name: 'shapes', modules: [module], steps: [{ id: 'shape', uses: 'bad-shape' }] });
  const err = await run.handle.result().then(() => assert.fail('the run must fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
  assert.equal(err.cause.type, 'StepRejected');
  assert.equal(err.cause.message, 'step "shape" (bad-shape) failed: returned unknown field(s) rows (allowed: dataset, data, summary)');
});

test('a failed run tells its story: memo with the snapshot, MlcycleFailedStep, the repair found by MlcycleRepairOf; the step named once', async () => {
  const flag = join(dir, 'hook-up');
  const definition: PipelineInput = {
    name: 'hooks', data: { path: DATA }, modules: [module], repair: { maxAttempts: 2, backoffSeconds: 0 },
    steps: [
      { id: 'ingest', uses: 'ingest' },
      { id: 'publish', uses: 'publish', needs: ['ingest'], with: { flag }, retry: { maximumAttempts: 2, initialIntervalSeconds: 0.1 } },
    ],
  };
  const run = await startLifecycle(stack, definition, { rerun: true });
  const lines: string[] = [];
  const err = await followRun(run.handle, (l) => lines.push(l)).then(() => assert.fail('the run must fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
  assert.equal(err.cause.type, 'StepFailed');
  assert.equal(err.cause.message, 'step "publish" failed: the hook answered 503', 'id and uses alike: named once');
  assert.ok(lines.includes('→ publish: failed: the hook answered 503'), lines.join('\n'));
  for (const line of lines) assert.ok(line.split('publish').length <= 2, `"publish" at most once: ${line}`);

  // The Web UI's view: the memo names pipeline, definition and snapshot; the failed step is a search attribute.
  const d = await run.handle.describe();
  const result = await stack.db.query<{ id: string }>(
    "SELECT r.outputs->'dataset'->>'id' AS id FROM step_runs s JOIN step_results r ON r.cache_key = s.cache_key WHERE s.temporal_run_id = $1 AND s.step_id = 'ingest'",
    [run.runId],
  );
  assert.deepEqual(d.memo, {
    pipeline: 'hooks', definition: `hooks@${run.pipeline.version}`, dataVersion: run.workflowId.split(':')[2], source: DATA, snapshot: result.rows[0]?.id,
  });
  assert.match(String(result.rows[0]?.id), /^[0-9a-f]{64}$/);
  assert.equal(d.typedSearchAttributes.get(FAILED_STEP_ATTRIBUTE), 'publish');
  assert.deepEqual(await until('the list by MlcycleFailedStep', async () => {
    const runs = await listed(stack.client, 'MlcycleFailedStep="publish" AND MlcyclePipeline="hooks"');
    return runs.length ? runs : null;
  }), [run.runId]);
  await recordHistory(stack.client, run.workflowId, run.runId, 'lifecycle-failed-step', {
    about: 'a user step fails past its bound after ingest: memo with the snapshot, MlcycleFailedStep, the step named once', outcome: 'failed',
    activities: ['ingestDataset', 'executeStep'], events: ['MARKER_RECORDED', 'WORKFLOW_PROPERTIES_MODIFIED', 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'],
  });

  // The repair round restarts it; the decision names the step beside a reason that does not repeat it.
  await writeFile(flag, 'up');
  const round = (await stack.client.workflow.execute(REPAIR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: 'repair-hooks', args: [{ pipeline: 'hooks', dryRun: false }] })) as RepairResult;
  assert.equal(round.decisions.length, 1);
  const decision = round.decisions[0];
  assert.deepEqual([decision.action, decision.step, decision.reason], ['restart', 'publish', 'repair 1/2 after StepFailed: restart from the failed step']);
  const repaired = stack.client.workflow.getHandle(run.workflowId, decision.newRunId ?? undefined);
  await repaired.result();
  assert.equal((await repaired.describe()).memo?.repairOf, run.runId);
  assert.deepEqual(await until('the list by MlcycleRepairOf', async () => {
    const runs = await listed(stack.client, `MlcycleRepairOf="${run.runId}"`);
    return runs.length ? runs : null;
  }), [decision.newRunId]);

  // `mlcycle status`: each line names the step once.
  const text = formatStatus(await collectStatus(stack.client, stack.db));
  assert.ok(text.includes('    publish failed: StepFailed: the hook answered 503'), text);
  assert.ok(text.includes('    repair 1/2 after StepFailed: restart from the failed step'), text);
  for (const line of text.split('\n')) assert.ok(line.split('publish').length <= 2, `"publish" at most once: ${line}`);
});

test('through the CLI as the README says: a DAG of user steps runs; a failing step is named once in what the user reads', async () => {
  const steps = [{ id: 'fetch', uses: 'fetch-rates' }, { id: 'report', uses: 'report', needs: ['fetch'] }];
  await writeFile(join(dir, 'rates.json'), JSON.stringify({ name: 'cli-rates', modules: ['steps.ts'], steps }));
  const plan = await mlcycle(dir, ['run', 'rates.json', '--plan']);
  assert.equal(plan.status, 0, plan.stderr);
  assert.match(plan.stdout, /fetch/);
  const ok = await mlcycle(dir, ['run', 'rates.json']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^started lifecycle:cli-rates:def-[0-9a-f]{16}-[0-9a-z]+ \(definition cli-rates@[0-9a-f]{16}\)/m);
  assert.match(ok.stdout, /^done: 2 steps$/m);

  const failing = [...steps, { id: 'publish', uses: 'publish', needs: ['report'], with: { flag: join(dir, 'never') }, retry: { maximumAttempts: 1 } }];
  await writeFile(join(dir, 'publish.json'), JSON.stringify({ name: 'cli-publish', modules: ['steps.ts'], steps: failing }));
  const failed = await mlcycle(dir, ['run', 'publish.json']);
  assert.notEqual(failed.status, 0);
  assert.match(failed.stdout, /^→ publish: failed: the hook answered 503$/m);
  assert.match(failed.stderr, /the run failed \(StepFailed\): step "publish" failed: the hook answered 503/);
  for (const line of [...failed.stdout.split('\n'), ...failed.stderr.split('\n')]) {
    const words = line.replaceAll('cli-publish', 'P').replaceAll('publish.json', 'F');
    assert.ok(words.split('publish').length <= 2, `the step at most once: ${line}`);
  }
});
