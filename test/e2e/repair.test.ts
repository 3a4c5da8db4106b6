// The repair round on a real stack: a run failed by a passing fault heals from its failed step, bad data is left alone,
// a fault that never clears is parked with an alert, and overlapping rounds repair a run once.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { PipelineDefinition, PipelineInput } from '../../lib/config/pipeline.js';
import { claimDecision, listRepairs } from '../../lib/store/repairs.js';
import { stepRunsOf } from '../../lib/store/stepResults.js';
import { REPAIR_WORKFLOW, TASK_QUEUE, repairScheduleId } from '../../contracts/names.js';
import type { RepairResult } from '../../contracts/types.js';
import { completeResult, registerDefinition, resolvePipeline, startLifecycle } from '../../triggers/client.js';
import { collectStatus, formatStatus } from '../../triggers/status.js';
import { applySchedules } from '../../triggers/schedules.js';
import { eventually, startTestStack, webhookReceiver, type TestStack, type WebhookReceiver } from '../harness.js';
import { recordHistory } from '../histories.js';

let stack: TestStack;
let base: PipelineDefinition;
let receiver: WebhookReceiver<{ workflowId: string; attempts: number }>;
let alertUrl: string;
let alerts: { workflowId: string; attempts: number }[];

before(async () => {
  stack = await startTestStack();
  base = await resolvePipeline('seattle-weather');
  receiver = await webhookReceiver();
  alertUrl = receiver.url;
  alerts = receiver.received;
});
after(async () => {
  receiver?.close();
  await stack?.teardown();
});

/** ingest → validate → gate (a user step that fails until `flag` exists) → optimize → package → rollout. */
function withGate(name: string, flag: string): PipelineInput {
  return {
    ...base,
    name,
    search: { ...base.search, folds: 3, space: { logreg: { l2: [0.1] } } },
    modules: [join(PROJECT_ROOT, 'test/fixtures/steps/control.ts')],
    repair: { maxAttempts: 2, backoffSeconds: 0, alertWebhook: alertUrl },
    steps: [
      { id: 'ingest', uses: 'ingest' },
      { id: 'validate', uses: 'validate', needs: ['ingest'] },
      { id: 'gate', uses: 'needs-flag', needs: ['validate'], with: { flag }, retry: { maximumAttempts: 2, initialIntervalSeconds: 0.1 } },
      { id: 'optimize', uses: 'optimize', needs: ['validate', 'gate'] },
      { id: 'package', uses: 'package', needs: ['optimize'] },
      { id: 'rollout', uses: 'rollout', needs: ['package'] },
    ],
  };
}

async function failedRun(definition: PipelineInput, o: { dataPath?: string } = {}) {
  const run = await startLifecycle(stack, definition, { rerun: true, ...o });
  const err = await run.handle.result().then(() => assert.fail('the run must fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
  return { ...run, failure: err.cause };
}

let rounds = 0;
async function round(pipeline: string): Promise<RepairResult> {
  return (await stack.client.workflow.execute(REPAIR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: `repair-test-${rounds++}`, args: [{ pipeline, dryRun: false }] })) as RepairResult;
}

test('a run failed by a passing fault is restarted by the repair schedule from the failed step once the fault clears; completed steps are not run again', async () => {
  const flag = join(stack.env.stateDir, 'dependency-up');
  const failed = await failedRun(withGate('weather-heal', flag));
  assert.equal(failed.failure.type, 'StepFailed');
  assert.match(failed.failure.message, /^step "gate" \(needs-flag\) failed: dependency down/);

  // A dry run says what it would do and does nothing.
  const dry = await promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), 'repair', 'weather-heal', '--dry-run'], {
    env: { ...process.env, MLCYCLE_STATE_DIR: stack.env.stateDir },
  });
  assert.match(dry.stdout, new RegExp(`would restart\\s+${failed.workflowId}\\s+\\(StepFailed, failed at gate\\)`));
  assert.equal((await listRepairs(stack.db, 10)).length, 0, 'a dry run records nothing');

  await writeFile(flag, 'up');
  // A newer version of the definition is stored meanwhile: the repair keeps the version of the run it repairs.
  const newer = await registerDefinition(stack.db, { ...withGate('weather-heal', flag), description: 'edited after the failure' });
  assert.notEqual(newer.ref.version, failed.pipeline.version);
  // The repair schedule fires (triggered now rather than in 5 minutes) and its round restarts the run.
  await applySchedules(stack, withGate('weather-heal', flag));
  await stack.client.schedule.getHandle(repairScheduleId('weather-heal')).trigger();
  const scheduled = await eventually('the scheduled repair round', 20_000, async () => {
    for await (const w of stack.client.workflow.list({ query: `WorkflowType="${REPAIR_WORKFLOW}" AND TemporalScheduledById="${repairScheduleId('weather-heal')}"` })) return w;
    return null;
  });
  const { decisions } = (await stack.client.workflow.getHandle(scheduled.workflowId, scheduled.runId).result()) as RepairResult;
  assert.deepEqual(decisions.map((d) => [d.action, d.step, d.attempt]), [['restart', 'gate', 1]]);
  const repaired = stack.client.workflow.getHandle(failed.workflowId, decisions[0].newRunId ?? undefined);
  const result = completeResult(await repaired.result());
  assert.equal(result.deployment?.role, 'champion');
  assert.deepEqual(result.pipeline, failed.pipeline, 'the definition version of the failed run');
  assert.deepEqual(Object.fromEntries(result.steps.map((s) => [s.id, s.state])), {
    ingest: 'reused', validate: 'reused', gate: 'done', optimize: 'done', package: 'done', rollout: 'done',
  });

  // Every step before the failed one ran exactly once over both runs (step records and histories).
  const records = await stepRunsOf(stack.db, failed.workflowId);
  const executed = (step: string) => records.filter((r) => r.stepId === step && r.status === 'executed').map((r) => r.temporalRunId);
  assert.deepEqual(executed('ingest'), [failed.runId]);
  assert.deepEqual(executed('validate'), [failed.runId]);
  assert.deepEqual(executed('gate'), [decisions[0].newRunId]);
  const history = await repaired.fetchHistory();
  const types = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
  assert.ok(!types.includes('ingestDataset') && !types.includes('validateDataset'), types.join(', '));
  const described = await repaired.describe();
  assert.deepEqual(described.searchAttributes.MlcycleRepairOf, [failed.runId], 'the repair run names the run it repairs');

  // Before any later round: status tells the two runs apart by run id, and the failed run shows how its repair ended.
  const shown = await collectStatus(stack.client, stack.db);
  const failedRow = shown.runs.find((r) => r.runId === failed.runId);
  const repairRow = shown.runs.find((r) => r.runId === decisions[0].newRunId);
  assert.deepEqual(failedRow?.steps.map((st) => [st.id, st.status]), [['ingest', 'executed'], ['validate', 'executed'], ['gate', 'failed']]);
  assert.deepEqual(failedRow?.repairedBy, { runId: decisions[0].newRunId, status: 'COMPLETED' });
  assert.deepEqual(repairRow?.steps.filter((st) => st.status === 'reused').map((st) => st.id), ['ingest', 'validate']);
  assert.equal(repairRow?.repairOf, failed.runId);
  const text = formatStatus(shown);
  assert.ok(text.includes(`repaired by run ${decisions[0].newRunId}: COMPLETED`), text);
  assert.ok(text.includes(`repairs run ${failed.runId}`), text);
  await recordHistory(stack.client, failed.workflowId, failed.runId, 'lifecycle-step-failed', {
    about: 'a step (gate) fails past its retry bound on a passing fault: the run fails naming it (what the repair round restarts)', outcome: 'failed',
    activities: ['ingestDataset', 'validateDataset', 'executeStep'],
  });
  await recordHistory(stack.client, scheduled.workflowId, scheduled.runId, 'repair-round-scheduled', {
    about: 'a repair round started by the repair schedule: it restarts the failed run from its failed step', outcome: 'completed', activities: ['repairRound'],
  });
  await recordHistory(stack.client, failed.workflowId, decisions[0].newRunId ?? undefined, 'lifecycle-repaired', {
    about: 'a repair run (MlcycleRepairOf): the steps before the failed one are reused from the failed run, the rest run to a champion', outcome: 'completed',
    activities: ['executeStep', 'trainCandidate', 'packageModel', 'planDeployment'], events: ['UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'],
  });

  // The next round records how the repair ended, and leaves the healed id alone.
  const next = await round('weather-heal');
  assert.deepEqual(next.outcomes.map((o) => [o.workflowId, o.outcome]), [[failed.workflowId, 'healed']]);
  assert.deepEqual(next.decisions, []);
  const status = formatStatus(await collectStatus(stack.client, stack.db));
  assert.match(status, new RegExp(`restarted\\s+${failed.workflowId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(failed run .*attempt 1, step gate\\) → run \\S+ healed`));
});

test('bad data is not repaired, and the reason is recorded once', async () => {
  const bad = join(stack.env.stateDir, 'bad.csv');
  await writeFile(bad, 'date,precipitation,temp_max,temp_min,wind,weather\n2012-01-01,0,hot,5,4.7,sun\n');
  const failed = await failedRun({ ...base, name: 'weather-bad' }, { dataPath: bad });
  assert.equal(failed.failure.type, 'DataValidationFailed', 'text in a numeric column fails validation');
  const first = await round('weather-bad');
  assert.deepEqual(first.decisions.map((d) => [d.action, d.failureType]), [['not_repairable', 'DataValidationFailed']]);
  const second = await round('weather-bad');
  assert.deepEqual(second.decisions.map((d) => d.action), ['decided']);
  const rows = (await listRepairs(stack.db, 50)).filter((r) => r.pipeline === 'weather-bad');
  assert.deepEqual(rows.map((r) => r.decision), ['not_repairable']);
});

test('a fault that never clears is parked after the bounded attempts, with one alert; overlapping rounds repair a run once', async () => {
  const never = join(stack.env.stateDir, 'never');
  const failed = await failedRun(withGate('weather-never', never));
  for (const attempt of [1, 2]) {
    const { decisions } = await round('weather-never');
    assert.deepEqual(decisions.map((d) => [d.action, d.attempt]), [['restart', attempt]]);
    await stack.client.workflow.getHandle(failed.workflowId, decisions[0].newRunId ?? undefined).result().catch(() => undefined);
  }
  const parked = await round('weather-never');
  assert.deepEqual(parked.decisions.map((d) => [d.action, d.attempt]), [['park', 2]]);
  assert.match(parked.decisions[0].reason, /still failing after 2 repair\(s\) \(StepFailed\)/);
  assert.deepEqual(alerts.map((a) => [a.workflowId, a.attempts]), [[failed.workflowId, 2]]);
  assert.deepEqual((await round('weather-never')).decisions.map((d) => d.action), ['decided']);
  assert.equal(alerts.length, 1, 'parked once, alerted once');

  // Two rounds at the same time over one failed run: one restart.
  const other = await failedRun(withGate('weather-overlap', never));
  const both = await Promise.all([round('weather-overlap'), round('weather-overlap')]);
  const restarts = both.flatMap((r) => r.decisions).filter((d) => d.action === 'restart');
  assert.equal(restarts.length, 1, JSON.stringify(both.map((r) => r.decisions)));
  let runs = 0;
  for await (const _ of stack.client.workflow.list({ query: `WorkflowId="${other.workflowId}"` })) runs++;
  assert.equal(runs, 2, 'the failed run and one repair');
});

test('a round lost between claiming a repair and starting it (its worker killed) leaves the repair to the next round, which starts it once', async () => {
  const flag = join(stack.env.stateDir, 'lost-round-up');
  const failed = await failedRun(withGate('weather-lost-round', flag));
  // What the lost round left: its claim, and no repair run.
  await claimDecision(stack.db, {
    workflowId: failed.workflowId, failedRunId: failed.runId, pipeline: 'weather-lost-round', decision: 'restarted', attempt: 1,
    fromStep: 'gate', failureType: 'StepFailed', reason: 'repair 1/2 after StepFailed: restart from the failed step',
  });
  await writeFile(flag, 'up');
  const next = await round('weather-lost-round');
  assert.deepEqual(next.decisions.map((d) => [d.action, d.step, d.attempt]), [['restart', 'gate', 1]]);
  completeResult(await stack.client.workflow.getHandle(failed.workflowId, next.decisions[0].newRunId ?? undefined).result());
  const after = await round('weather-lost-round');
  assert.deepEqual(after.outcomes.map((o) => [o.failedRunId, o.outcome]), [[failed.runId, 'healed']]);
  assert.deepEqual(after.decisions, [], 'nothing left to repair');
  const rows = (await listRepairs(stack.db, 50)).filter((r) => r.pipeline === 'weather-lost-round');
  assert.deepEqual(rows.map((r) => [r.decision, r.attempt, r.newRunId, r.outcome]), [['restarted', 1, next.decisions[0].newRunId, 'healed']]);
  let runs = 0;
  for await (const _ of stack.client.workflow.list({ query: `WorkflowId="${failed.workflowId}"` })) runs++;
  assert.equal(runs, 2, 'the failed run and one repair');
});
