// The DAG engine end to end: user steps beside built-ins, parallel branches, a rerun that reuses every cacheable step, a failing step.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { PipelineDefinition } from '../../lib/config/pipeline.js';
import { stepRunsOf } from '../../lib/store/stepResults.js';
import { workflowBundle } from '../../worker/worker.js';
import { completeResult, resolvePipeline, startLifecycle } from '../../triggers/client.js';
import { collectStatus, formatStatus } from '../../triggers/status.js';
import { progressQuery } from '../../contracts/names.js';
import type { LifecycleProgress } from '../../contracts/types.js';
import { eventually, startTestStack, webhookReceiver, type TestStack, type WebhookReceiver } from '../harness.js';
import { recordHistory } from '../histories.js';

let stack: TestStack;
let receiver: WebhookReceiver<{ model: { version: number } | null; deployed: string | null; run: string }>;
let received: { model: { version: number } | null; deployed: string | null; run: string }[];
let pipeline: PipelineDefinition;

before(async () => {
  stack = await startTestStack();
  receiver = await webhookReceiver();
  received = receiver.received;
  const example = await resolvePipeline('weather-steps');
  pipeline = { ...example, steps: example.steps?.map((s) => (s.id === 'notify' ? { ...s, with: { url: receiver.url, failOnError: true } } : s)) };
});
after(async () => {
  receiver?.close();
  await stack?.teardown();
});

const { temporal } = proto;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const ACTIVITY_SCHEDULED = temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED;
const ACTIVITY_COMPLETED = temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED;

/** The activities a run scheduled, in order: type and summary (the step id, or "step: what"). */
async function scheduledActivities(handle: WorkflowHandle): Promise<{ id: number; type: string; summary: string; event: HistoryEvent }[]> {
  const history = await handle.fetchHistory();
  const converter = stack.client.options.loadedDataConverter.payloadConverter;
  return (history.events ?? [])
    .filter((e) => e.eventType === ACTIVITY_SCHEDULED)
    .map((e) => ({
      id: Number(e.eventId),
      type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '',
      summary: e.userMetadata?.summary ? converter.fromPayload<string>(e.userMetadata.summary) : '',
      event: e,
    }));
}

async function completedAt(handle: WorkflowHandle, scheduledId: number): Promise<number> {
  const history = await handle.fetchHistory();
  const done = history.events?.find((e) => e.eventType === ACTIVITY_COMPLETED && Number(e.activityTaskCompletedEventAttributes?.scheduledEventId) === scheduledId);
  assert.ok(done, `activity ${scheduledId} completed`);
  return Number(done.eventId);
}

let firstRun: { workflowId: string; runId: string; handle: WorkflowHandle };

test('user steps run beside the built-ins: features derived, a rule checked in parallel with validation, a webhook after deploy', async () => {
  const run = await startLifecycle(stack, pipeline, { reason: 'dag test' });
  firstRun = run;
  const result = completeResult(await run.handle.result());
  assert.deepEqual(result.steps.map((s) => s.state), Array(8).fill('done'));
  assert.deepEqual(new Set(result.steps.map((s) => s.id)), new Set(['ingest', 'prepare', 'validate', 'rules', 'optimize', 'package', 'rollout', 'notify']));
  const prepared = result.outputs.prepare.dataset;
  assert.ok(prepared && prepared.columns.some((c) => c.name === 'temp_range') && prepared.columns.some((c) => c.name === 'month'));
  assert.equal(result.validation.trainingDataset.id, prepared.id, 'validate checked what prepare produced');
  assert.equal(result.outputs.rules.data?.rows, prepared.rows);
  assert.ok(result.bestTrial.features.numeric.includes('temp_range'), 'trained on the derived feature');
  assert.equal(result.model.version, 1);
  assert.equal(result.deployment?.role, 'champion');
  assert.deepEqual(received.map((r) => [r.model?.version, r.deployed, r.run]), [[1, 'champion', run.workflowId]]);

  // validate and rules ran side by side: each was scheduled before the other completed.
  const activities = await scheduledActivities(run.handle);
  const validate = activities.find((a) => a.type === 'validateDataset');
  const rules = activities.find((a) => a.type === 'executeStep' && a.summary === 'rules');
  assert.ok(validate && rules);
  assert.ok(rules.id < (await completedAt(run.handle, validate.id)) && validate.id < (await completedAt(run.handle, rules.id)), 'validate ∥ rules');
  for (const trial of activities.filter((a) => a.type === 'runTrial')) assert.match(trial.summary, /^optimize: trial /);
});

test('a rerun on the same data reuses every cacheable step: no activity of theirs runs; deploy and notify run again', async () => {
  const run = await startLifecycle(stack, pipeline, { rerun: true, reason: 'rerun' });
  const result = completeResult(await run.handle.result());
  const states = Object.fromEntries(result.steps.map((s) => [s.id, s.state]));
  assert.deepEqual(states, { ingest: 'reused', prepare: 'reused', validate: 'reused', rules: 'reused', optimize: 'reused', package: 'reused', rollout: 'done', notify: 'done' });
  for (const s of result.steps.filter((s) => s.state === 'reused')) assert.equal(s.reusedFrom, firstRun.workflowId);
  assert.equal(result.model.version, 1, 'the same registered version, not a new one');

  const types = (await scheduledActivities(run.handle)).map((a) => a.type);
  for (const heavy of ['ingestDataset', 'validateDataset', 'planSearch', 'runTrial', 'trainCandidate', 'packageModel']) assert.ok(!types.includes(heavy), `${heavy} did not run`);
  assert.equal(types.filter((t) => t === 'executeStep').length, 1, 'only notify ran among the user steps');
  assert.equal(types.filter((t) => t === 'planDeployment').length, 1);

  const records = await stepRunsOf(stack.db, run.workflowId);
  assert.deepEqual(records.filter((r) => r.status === 'reused').map((r) => r.stepId).sort(), ['ingest', 'optimize', 'package', 'prepare', 'rules', 'validate']);
  assert.deepEqual(records.filter((r) => r.status === 'executed').map((r) => r.stepId).sort(), ['notify', 'rollout']);
  const versions = await stack.db.query('SELECT 1 FROM model_versions WHERE name = $1', [pipeline.name]);
  assert.equal(versions.rowCount, 1);
  assert.equal(received.length, 2, 'notified again: a side effect is never reused');
  await recordHistory(stack.client, run.workflowId, run.runId, 'weather-steps-rerun', {
    about: 'a rerun of the weather-steps DAG: every cacheable step reused from the first run, deploy and notify run again', outcome: 'completed',
    activities: ['executeStep', 'planDeployment'],
  });

  // `mlcycle status` shows which steps were reused, and from which run.
  const shown = await eventually('the rerun in status', 10_000, async () => {
    const status = await collectStatus(stack.client, stack.db);
    return status.runs.some((r) => r.workflowId === run.workflowId) ? formatStatus(status) : null;
  });
  assert.ok(shown.includes(`6 step(s) reused from ${firstRun.workflowId}`), shown);
});

test('a bad definition is refused over HTTP with its path, and nothing starts', async () => {
  const file = join(stack.env.stateDir, 'bad-steps.json');
  const bad = { ...pipeline, name: 'weather-bad-dag', data: { path: (pipeline.data as { path: string }).path } };
  bad.steps = pipeline.steps?.map((s) => (s.id === 'validate' ? { ...s, needs: ['optimize'] } : s.id === 'rules' ? { ...s, with: { minDaysPerClass: -1 } } : s));
  await writeFile(file, JSON.stringify(bad));
  const res = await fetch(`${stack.info.httpUrl}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pipeline: file }) });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: string; message: string };
  assert.equal(body.error, 'BadInput');
  assert.match(body.message, /steps\.3\.with\.minDaysPerClass: /);
  assert.match(body.message, /steps: the steps form a cycle: /);
  let started = 0;
  for await (const _ of stack.client.workflow.list({ query: `MlcyclePipeline="weather-bad-dag"` })) started++;
  assert.equal(started, 0);
  const stored = await stack.db.query('SELECT 1 FROM pipeline_definitions WHERE name = $1', ['weather-bad-dag']);
  assert.equal(stored.rowCount, 0, 'a bad definition is not stored');
});

test('the CLI shows the plan with what would be reused, lists the steps, and runs the example', async () => {
  // Asynchronously: this process hosts the worker, which must keep running while the CLI waits for the run.
  const cli = (...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> =>
    promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), ...args], { env: { ...process.env, MLCYCLE_STATE_DIR: stack.env.stateDir } }).then(
      ({ stdout, stderr }) => ({ status: 0, stdout, stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({ status: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
    );
  const file = join(stack.env.stateDir, 'weather-steps.json');
  await writeFile(file, JSON.stringify({ ...pipeline, data: { path: (pipeline.data as { path: string }).path } }));
  const plan = await cli('run', file, '--plan');
  assert.equal(plan.status, 0, plan.stderr);
  for (const id of ['ingest', 'prepare', 'validate', 'rules', 'optimize', 'package']) assert.match(plan.stdout, new RegExp(`^  ${id}\\s+↺ reuse`, 'm'));
  for (const id of ['rollout', 'notify']) assert.match(plan.stdout, new RegExp(`^  ${id}\\s+▶ run`, 'm'));
  const steps = await cli('steps', file);
  assert.equal(steps.status, 0, steps.stderr);
  for (const name of ['ingest (built-in)', 'derive-features', 'business-rules', 'notify-webhook', 'with.minDaysPerClass: integer']) assert.ok(steps.stdout.includes(name), `${name} in:\n${steps.stdout}`);
  const badFile = join(stack.env.stateDir, 'weather-cycle.json');
  await writeFile(badFile, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), name: 'weather-cycle', steps: [{ id: 'a', uses: 'ingest', needs: ['b'] }, { id: 'b', uses: 'validate', needs: ['a'] }] }));
  const refused = await cli('run', badFile);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /steps: the steps form a cycle: (a → b → a|b → a → b)/);
  const rerun = await cli('run', file, '--rerun');
  assert.equal(rerun.status, 0, rerun.stdout + rerun.stderr);
  assert.match(rerun.stdout, /↺ optimize\s+reused from lifecycle:weather-steps:/);
  assert.match(rerun.stdout, /done: weather-steps@1/);
});

test('a failing user step fails the run naming it, and nothing after it runs', async () => {
  const strict = { ...pipeline, name: 'weather-steps-strict', steps: pipeline.steps?.map((s) => (s.id === 'rules' ? { ...s, with: { minDaysPerClass: 1000 } } : s)) };
  const run = await startLifecycle(stack, strict, { reason: 'failing rule' });
  const err = await run.handle.result().then(
    () => assert.fail('the run must fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
  assert.equal(err.cause.type, 'StepRejected');
  assert.match(err.cause.message, /step "rules" \(business-rules\) failed: business rules failed: fewer than 1000 days/);
  const types = (await scheduledActivities(run.handle)).map((a) => a.type);
  for (const later of ['planSearch', 'runTrial', 'trainCandidate', 'packageModel', 'planDeployment']) assert.ok(!types.includes(later), `${later} never ran`);
  assert.equal(types.filter((t) => t === 'executeStep').length, 2, 'prepare and rules; a rejected step is not retried');
  const description = await run.handle.describe();
  assert.deepEqual(description.searchAttributes.MlcycleStep, ['rules'], 'MlcycleStep keeps the failed step');
  const records = await stepRunsOf(stack.db, run.workflowId);
  assert.deepEqual(records.filter((r) => r.status === 'failed').map((r) => [r.stepId, r.failureType]), [['rules', 'StepRejected']]);
  const versions = await stack.db.query('SELECT 1 FROM model_versions WHERE name = $1', [strict.name]);
  assert.equal(versions.rowCount, 0);
});

test('the recorded history of a run with parallel branches replays deterministically on the current workflow code', async () => {
  const history = await firstRun.handle.fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle(join(stack.env.stateDir, 'cache')) }, history, firstRun.workflowId);
  await recordHistory(stack.client, firstRun.workflowId, firstRun.runId, 'weather-steps', {
    about: 'the weather-steps DAG: user steps beside the built-ins, validate ∥ rules in parallel, search, package, deploy, a webhook', outcome: 'completed',
    activities: ['ingestDataset', 'executeStep', 'validateDataset', 'planSearch', 'runTrial', 'trainCandidate', 'packageModel', 'planDeployment'],
  });
});

test('a failing step cancels its running sibling (the cancellation reaches the step), and retries stop at the bound with the reason', async () => {
  const marker = join(stack.env.stateDir, 'cancelled.txt');
  const control = {
    ...pipeline,
    name: 'weather-control',
    modules: [join(PROJECT_ROOT, 'test/fixtures/steps/control.ts')],
    steps: [
      { id: 'ingest', uses: 'ingest', needs: [], with: {} },
      { id: 'slow', uses: 'wait-for-cancel', needs: ['ingest'], with: { marker }, timeoutSeconds: 120 },
      { id: 'boom', uses: 'fail-soon', needs: ['ingest'], with: {} },
      { id: 'after', uses: 'flaky', needs: ['slow', 'boom'], with: { succeedOnAttempt: 1 } },
    ],
  };
  const run = await startLifecycle(stack, control, { reason: 'cancel siblings' });
  const err = await run.handle.result().then(() => assert.fail('must fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
  assert.match(err.cause.message, /^step "boom" \(fail-soon\) failed: this step always fails/);
  await eventually('the cancelled step writes its marker', 10_000, async () => ((await readFile(marker, 'utf8').catch(() => null)) ? true : null));
  const activities = await scheduledActivities(run.handle);
  assert.deepEqual(activities.filter((a) => a.type === 'executeStep').map((a) => a.summary).sort(), ['boom', 'slow'], '"after" never started');
  const progress = (await run.handle.query(progressQuery)) as LifecycleProgress;
  assert.deepEqual(Object.fromEntries(progress.steps.map((s) => [s.id, s.state])), { ingest: 'done', slow: 'cancelled', boom: 'failed', after: 'pending' });
  await recordHistory(stack.client, run.workflowId, run.runId, 'lifecycle-sibling-cancelled', {
    about: 'a failing step cancels its running sibling: the run fails naming the failed step', outcome: 'failed',
    activities: ['executeStep'], events: ['ACTIVITY_TASK_CANCEL_REQUESTED'],
  });

  // A transient failure is retried within the step's bound; past it the run fails naming the step and the last reason.
  const flakySteps = (succeedOnAttempt: number) => [
    { id: 'ingest', uses: 'ingest', needs: [], with: {} },
    { id: 'flaky', uses: 'flaky', needs: ['ingest'], with: { succeedOnAttempt }, retry: { maximumAttempts: 3, initialIntervalSeconds: 0.1 } },
  ];
  const recovered = await (await startLifecycle(stack, { ...control, name: 'weather-flaky', steps: flakySteps(3) })).handle.result();
  assert.deepEqual(recovered?.outputs.flaky.data, { attempt: 3 });
  const exhausted = await startLifecycle(stack, { ...control, name: 'weather-flaky-never', steps: flakySteps(10) });
  const spent = await exhausted.handle.result().then(() => assert.fail('must fail'), (e: unknown) => e);
  assert.ok(spent instanceof WorkflowFailedError && spent.cause instanceof ApplicationFailure);
  assert.equal(spent.cause.type, 'StepFailedTransiently');
  assert.match(spent.cause.message, /step "flaky" failed: transient failure at attempt 3$/);
});
