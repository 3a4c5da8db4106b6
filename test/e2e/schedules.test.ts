// Schedules from the definition on a real stack: apply is idempotent, follows changes, deletes; retraining over a folder.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { resolveSource } from '../../activities/retrain.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { failureTypeOf } from '../../contracts/failures.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { PipelineDefinition, PipelineInput } from '../../lib/config/pipeline.js';
import { MONITOR_WORKFLOW, REPAIR_WORKFLOW, RETRAIN_WORKFLOW, monitorScheduleId, repairScheduleId, retrainScheduleId } from '../../contracts/names.js';
import type { RetrainResult } from '../../contracts/retrain.js';
import type { LifecycleResult } from '../../contracts/types.js';
import { resolveMlPipeline } from '../../triggers/client.js';
import { applySchedules, describeSchedule, type ScheduleChange } from '../../triggers/schedules.js';
import type { ScheduleRow } from '../../triggers/schedulesCommand.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { recordHistory } from '../histories.js';

let stack: TestStack;
let base: PipelineDefinition;
let folder: string;

before(async () => {
  stack = await startTestStack();
  const example = await resolveMlPipeline('seattle-weather');
  // Small and fast: one L2 value, 3 folds. The repair round is paused: its workflow is not this test's business.
  base = { ...example, search: { ...example.search, folds: 3, space: { logreg: { l2: [0.01] } } } };
  folder = join(stack.env.stateDir, 'incoming');
  await mkdir(folder);
});
after(async () => {
  await stack?.teardown();
});

const schedulesOf = (name: string, schedules: PipelineInput['schedules']): PipelineInput => ({ ...base, name, schedules });
const summary = (changes: ScheduleChange[]): string[] => changes.map((c) => `${c.change} ${c.scheduleId}`);
const apply = async (definition: PipelineInput): Promise<ScheduleChange[]> => (await applySchedules(stack, definition))[0].changes;

test('apply creates the schedules; a second apply changes nothing; actions hold the definition reference', async () => {
  const definition = schedulesOf('sched-a', { retrain: { cron: '0 3 * * *' }, monitor: { everySeconds: 3600 }, repair: { everySeconds: 600, paused: true } });
  const first = await applySchedules(stack, definition);
  assert.deepEqual(summary(first[0].changes), ['created monitor:sched-a', 'created retrain:sched-a', 'created repair:sched-a']);
  assert.deepEqual(summary(await apply(definition)), ['unchanged monitor:sched-a', 'unchanged retrain:sched-a', 'unchanged repair:sched-a']);

  const ref = first[0].pipeline;
  const monitor = await describeSchedule(stack.client, monitorScheduleId('sched-a'));
  const retrain = await describeSchedule(stack.client, retrainScheduleId('sched-a'));
  const repair = await describeSchedule(stack.client, repairScheduleId('sched-a'));
  assert.ok(monitor && retrain && repair);
  assert.deepEqual(monitor.action.args, [{ pipeline: { name: 'sched-a', version: ref.version } }]);
  assert.deepEqual(retrain.action.args, [{ pipeline: { name: 'sched-a', version: ref.version } }]);
  assert.deepEqual(repair.action.args, [{ pipeline: 'sched-a', dryRun: false }]);
  assert.deepEqual([monitor.action.workflowType, retrain.action.workflowType, repair.action.workflowType], [MONITOR_WORKFLOW, RETRAIN_WORKFLOW, REPAIR_WORKFLOW]);
  assert.deepEqual(monitor.spec.intervals?.map((i) => i.every), [3_600_000]);
  assert.ok((retrain.spec.calendars ?? []).length > 0, 'the cron became a calendar');
  for (const d of [monitor, retrain, repair]) {
    assert.equal(d.policies.overlap, 'SKIP');
    assert.equal(d.policies.pauseOnFailure, false);
  }
  assert.deepEqual([monitor.policies.catchupWindow, retrain.policies.catchupWindow, repair.policies.catchupWindow], [60_000, 3_600_000, 60_000]);
  assert.deepEqual([monitor.state.paused, retrain.state.paused, repair.state.paused], [false, false, true]);

  // Without a pipeline: the latest stored definition of every pipeline, here the same one: nothing to change.
  const all = await applySchedules(stack);
  assert.deepEqual(all.map((a) => a.pipeline), [ref]);
  assert.ok(all[0].changes.every((c) => c.change === 'unchanged'), JSON.stringify(all[0].changes));
});

test('a changed interval, cron and paused flag are applied; removing schedules.retrain deletes its schedule', async () => {
  const changed = schedulesOf('sched-a', { retrain: { cron: '30 4 * * 1' }, monitor: { everySeconds: 1800, paused: true }, repair: { everySeconds: 600, paused: false } });
  const changes = await apply(changed);
  const byId = (id: string): string[] => changes.filter((c) => c.scheduleId === id).map((c) => c.change);
  assert.deepEqual(byId('monitor:sched-a'), ['updated', 'paused']);
  assert.deepEqual(byId('retrain:sched-a'), ['updated']);
  assert.match(changes.find((c) => c.scheduleId === 'retrain:sched-a')?.detail ?? '', /cron "30 4 \* \* 1"/);
  assert.deepEqual(byId('repair:sched-a'), ['updated', 'unpaused'], 'a new definition version is named in its details');
  const monitor = await describeSchedule(stack.client, monitorScheduleId('sched-a'));
  assert.deepEqual(monitor?.spec.intervals?.map((i) => i.every), [1_800_000]);
  assert.equal(monitor?.state.paused, true);
  assert.ok((await apply(changed)).every((c) => c.change === 'unchanged'));

  const without = await apply(schedulesOf('sched-a', { monitor: { everySeconds: 1800, paused: true }, repair: { everySeconds: 600, paused: true } }));
  assert.ok(summary(without).includes('deleted retrain:sched-a'), JSON.stringify(without));
  assert.equal(await describeSchedule(stack.client, retrainScheduleId('sched-a')), null);
  assert.ok((await apply(schedulesOf('sched-a', { monitor: { everySeconds: 1800, paused: true }, repair: { everySeconds: 600, paused: true } }))).every((c) => c.change === 'unchanged'));
});

const cli = (...args: string[]): Promise<{ stdout: string }> =>
  promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), ...args], { env: { ...process.env, MLCYCLE_STATE_DIR: stack.env.stateDir } });

test('`mlcycle schedules apply <file>` prints each schedule; `schedules list --json` shows them with their state and next runs', async () => {
  const file = join(stack.env.stateDir, 'sched-a.json');
  await writeFile(file, JSON.stringify(schedulesOf('sched-a', { monitor: { everySeconds: 1800, paused: true }, repair: { everySeconds: 600, paused: true } })));
  const applied = await cli('schedules', 'apply', file);
  assert.match(applied.stdout, /^sched-a@[0-9a-f]{16}\n  unchanged monitor:sched-a  every 1800s, paused\n  unchanged repair:sched-a  every 600s, paused\n$/);
  const rows = await eventually('the schedules in the list', 20_000, async () => {
    const { stdout } = await cli('schedules', 'list', '--json');
    const parsed = JSON.parse(stdout) as ScheduleRow[];
    return parsed.some((r) => r.scheduleId === 'monitor:sched-a') && parsed.some((r) => r.scheduleId === 'repair:sched-a') ? parsed : null;
  });
  const monitor = rows.find((r) => r.scheduleId === 'monitor:sched-a');
  assert.equal(monitor?.spec, 'every 1800s');
  assert.equal(monitor?.paused, true);
  assert.deepEqual(Object.keys(monitor?.definition as object).sort(), ['name', 'version']);
  assert.equal(rows.some((r) => r.scheduleId === 'retrain:sched-a'), false);
});

/** Triggers the retraining schedule and returns what its run decided. */
/** Triggers the retraining schedule and waits for its run: the run's result and its workflow id. */
async function triggerRetrain(name: string): Promise<RetrainResult & { run: string }> {
  const id = retrainScheduleId(name);
  const before = (await describeSchedule(stack.client, id))?.info.numActionsTaken ?? 0;
  await stack.client.schedule.getHandle(id).trigger();
  const action = await eventually('the triggered retraining run', 30_000, async () => {
    const d = await describeSchedule(stack.client, id);
    return d && d.info.numActionsTaken > before ? d.info.recentActions.at(-1) ?? null : null;
  });
  const run = action.action.workflow.workflowId;
  return { ...((await stack.client.workflow.getHandle(run).result()) as RetrainResult), run };
}

async function lifecycleRuns(name: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of stack.client.workflow.list({ query: `WorkflowType="lifecycleWorkflow" AND MlcyclePipeline="${name}"` })) ids.push(w.workflowId);
  return ids.sort();
}

test('a retraining schedule over a folder starts one run per new file and nothing for a file it has seen', async () => {
  await apply(schedulesOf('sched-b', { retrain: { everySeconds: 86_400, source: { folder, pattern: 'weather-*.csv' } }, monitor: { everySeconds: 3600 }, repair: { paused: true } }));
  const empty = await triggerRetrain('sched-b');
  assert.equal(empty.decision, 'nothing new');
  assert.match(empty.reason, /no file matching "weather-\*\.csv"/);
  await recordHistory(stack.client, empty.run, undefined, 'retrain-nothing-new', {
    about: 'a run of the retraining schedule whose source holds nothing new: no child', outcome: 'completed', activities: ['resolveRetrainSource'],
  });

  const train = (base.data as { path: string }).path;
  await copyFile(train, join(folder, 'weather-1.csv'));
  await writeFile(join(folder, 'notes.txt'), 'not data'); // does not match the pattern
  const first = await triggerRetrain('sched-b');
  assert.equal(first.decision, 'started', first.reason);
  const run1 = (await stack.client.workflow.getHandle(first.workflowId ?? '').result()) as LifecycleResult;
  assert.equal(run1.pipeline.name, 'sched-b');
  assert.equal(run1.model?.version, 1);
  await recordHistory(stack.client, first.run, undefined, 'retrain-started', {
    about: 'a run of the retraining schedule over a folder with a new file: one lifecycle run started as an abandoned child', outcome: 'completed',
    activities: ['resolveRetrainSource'], childWorkflows: ['lifecycleWorkflow'], events: ['CHILD_WORKFLOW_EXECUTION_STARTED'],
  });

  const again = await triggerRetrain('sched-b');
  assert.deepEqual([again.decision, again.workflowId], ['nothing new', first.workflowId]);
  await recordHistory(stack.client, again.run, undefined, 'retrain-child-exists', {
    about: 'a retraining schedule run on data that has its run already: the child start is refused as a duplicate', outcome: 'completed',
    activities: ['resolveRetrainSource'], childWorkflows: ['lifecycleWorkflow'], events: ['START_CHILD_WORKFLOW_EXECUTION_FAILED'],
  });
  await eventually('one lifecycle run in visibility', 10_000, async () => ((await lifecycleRuns('sched-b')).length === 1 ? true : null));

  // A second, different file (the same days without the last 30), newer than the first.
  const lines = (await readFile(train, 'utf8')).trimEnd().split('\n');
  await writeFile(join(folder, 'weather-2.csv'), `${lines.slice(0, -30).join('\n')}\n`);
  const later = new Date(Date.now() + 5000);
  await utimes(join(folder, 'weather-2.csv'), later, later);
  const second = await triggerRetrain('sched-b');
  assert.equal(second.decision, 'started', second.reason);
  assert.notEqual(second.workflowId, first.workflowId);
  await stack.client.workflow.getHandle(second.workflowId ?? '').result();
  const runs = await eventually('two lifecycle runs in visibility', 10_000, async () => {
    const ids = await lifecycleRuns('sched-b');
    return ids.length === 2 ? ids : null;
  });
  assert.deepEqual(runs, [first.workflowId, second.workflowId].sort());
  assert.equal((await triggerRetrain('sched-b')).decision, 'nothing new');
});

test('a query source: the data version follows the watermark; a missing column and an unreachable database are named', async () => {
  await stack.db.query('CREATE TABLE sched_days (id int PRIMARY KEY, temp_max float8)');
  await stack.db.query('INSERT INTO sched_days SELECT g, g * 0.5 FROM generate_series(1, 10) g');
  const deps = { databaseUrl: stack.info.databaseUrl } as Pick<ActivityDeps, 'databaseUrl'> as ActivityDeps;
  const withSource = (postgres: { query: string; watermarkColumn: string; urlEnv?: string }): PipelineDefinition =>
    ({ ...base, name: 'sched-q', schedules: { retrain: { everySeconds: 600, paused: false, source: { postgres } } } }) as PipelineDefinition;
  const query = { query: 'SELECT * FROM sched_days', watermarkColumn: 'id' };
  const first = await resolveSource(deps, withSource(query));
  const same = await resolveSource(deps, withSource(query));
  assert.ok(first.found && same.found);
  assert.equal(same.dataVersion, first.dataVersion, 'nothing new: the same version');
  assert.equal(first.sourceDigest, null, 'rows are read by ingest, every time');
  assert.match(first.label, /10 rows up to id = 10/);
  await stack.db.query('INSERT INTO sched_days VALUES (11, 3.5)');
  const moved = await resolveSource(deps, withSource(query));
  assert.ok(moved.found && moved.dataVersion !== first.dataVersion, 'a new row is a new data version');

  await assert.rejects(resolveSource(deps, withSource({ ...query, watermarkColumn: 'updated_at' })), (err: unknown) =>
    failureTypeOf(err) === 'BadDefinition' && /watermark column "updated_at" is not in the result/.test((err as Error).message));
  process.env.MLCYCLE_TEST_CLOSED_DB = 'postgres://nobody@127.0.0.1:1/none';
  await assert.rejects(resolveSource(deps, withSource({ ...query, urlEnv: 'MLCYCLE_TEST_CLOSED_DB' })), (err: unknown) =>
    failureTypeOf(err) === 'DependencyUnavailable' && /cannot reach the retraining source database/.test((err as Error).message));
});

test('a file whose run failed is not retrained by the schedule again (the repair round decides about failed runs)', async () => {
  await writeFile(join(folder, 'weather-3.csv'), 'date,weather\n2015-01-01\n');
  const later = new Date(Date.now() + 10_000);
  await utimes(join(folder, 'weather-3.csv'), later, later);
  const bad = await triggerRetrain('sched-b');
  assert.equal(bad.decision, 'started', bad.reason);
  await assert.rejects(stack.client.workflow.getHandle(bad.workflowId ?? '').result(), (err: unknown) => failureTypeOf(err) === 'DataError');
  const again = await triggerRetrain('sched-b');
  assert.deepEqual([again.decision, again.workflowId], ['nothing new', bad.workflowId]);
  assert.match(again.reason, /already has its run/);
});
