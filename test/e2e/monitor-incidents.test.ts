// Retraining without storms on a real stack: one run per breach incident, reasons for every "no", unjudgeable windows, new champion.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readFile } from 'node:fs/promises';
import { LIFECYCLE_WORKFLOW, MONITOR_WORKFLOW, TASK_QUEUE } from '../../contracts/names.js';
import type { MonitorResult, PipelineRef } from '../../contracts/types.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { PipelineDefinition } from '../../lib/config/pipeline.js';
import { parseCsv } from '../../lib/data/csv.js';
import { recordsFromTable } from '../../lib/data/records.js';
import { listIncidents } from '../../lib/store/incidents.js';
import { getDataset, findMonitorReport } from '../../lib/store/datasets.js';
import { getDeployment, getModelVersion } from '../../lib/store/models.js';
import { rolloutState, steerRollout } from '../../triggers/rollout.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { createIncidentActivities } from '../../activities/incidents.js';
import { completeResult, registerDefinition, resolvePipeline, startLifecycle } from '../../triggers/client.js';
import { replayTraffic } from '../../triggers/replay.js';
import { collectStatus, formatStatus } from '../../triggers/status.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { recordHistory } from '../histories.js';

const NAME = 'incidents';
const EXAMPLE = join(PROJECT_ROOT, 'examples/seattle-weather');
let stack: TestStack;
let definition: PipelineDefinition;
let ref: PipelineRef;
let later: Record<string, unknown>[];
let earlier: Record<string, unknown>[];

before(async () => {
  stack = await startTestStack();
  const example = await resolvePipeline('seattle-weather');
  definition = { ...example, name: NAME, search: { ...example.search, folds: 3, space: { logreg: { l2: [0.01] } } }, schedules: {}, retrain: { ...example.retrain, cooldownSeconds: 3600, minNewLabels: 100, includeChampionData: true } } as PipelineDefinition;
  const rows = async (file: string) => recordsFromTable(parseCsv(await readFile(join(EXAMPLE, file), 'utf8'), file)).map(({ weather: _w, ...features }) => features);
  later = await rows('replay-2014-2015.csv');
  earlier = await rows('train-2012-2013.csv');
});
after(async () => {
  await stack?.teardown();
});

/** Traffic that drifts for sure: a heat wave of +8 °C on 2014–2015's days. */
const heatWave = (rows: Record<string, unknown>[]): Record<string, unknown>[] =>
  rows.map((r) => ({ ...r, temp_max: Number(r.temp_max) + 8, temp_min: Number(r.temp_min) + 8 }));

let sent = 0;
/** Scores instances through the serving API without any label (each under a new request id). */
async function score(instances: Record<string, unknown>[]): Promise<void> {
  const requestIds = instances.map(() => `unlabelled-${sent++}`);
  const res = await fetch(`${stack.info.httpUrl}/v1/models/${NAME}/predict`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances, requestIds }),
  });
  assert.equal(res.status, 200, await res.text());
  // The prediction log is written in batches: the window exists once every answer is in Postgres. Counted by request:
  // a retrained version may be in shadow by now (started by an earlier window's retraining), which logs a second row.
  await eventually('the answers logged', 20_000, async () => {
    const { rows } = await stack.db.query<{ n: number }>('SELECT COUNT(DISTINCT request_id)::int AS n FROM predictions WHERE request_id = ANY($1::text[])', [requestIds]);
    return rows[0].n === requestIds.length ? true : null;
  });
}

let runs = 0;
async function monitor(pipeline: PipelineRef = ref): Promise<MonitorResult & { details: string; workflowId: string }> {
  const workflowId = `monitor:${NAME}-test-${++runs}`;
  const handle = await stack.client.workflow.start(MONITOR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId, args: [{ pipeline }] });
  const result = (await handle.result()) as MonitorResult;
  const { currentDetails } = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
  return { ...result, details: currentDetails, workflowId };
}

async function retrainRuns(): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of stack.client.workflow.list({ query: `WorkflowType="${LIFECYCLE_WORKFLOW}"` })) if (w.workflowId.includes(':retrain-')) ids.push(w.workflowId);
  return ids;
}

test('sustained breaching traffic with no new labels starts no retrain after the first; the later windows say why', async () => {
  const first = await startLifecycle(stack, definition, { reason: 'test: first training' });
  ref = first.pipeline;
  assert.equal(completeResult(await first.handle.result()).deployment?.role, 'champion');
  await replayTraffic({ httpUrl: stack.info.httpUrl ?? '', model: NAME, csvPath: join(EXAMPLE, 'replay-2014-2015.csv'), target: 'weather' });

  const w1 = await monitor();
  assert.equal(w1.window.breached, true);
  assert.equal(w1.decision?.decision, 'retrain');
  assert.match(w1.retrainWorkflowId ?? '', /^lifecycle:incidents:retrain-[0-9a-f]{16}$/);
  assert.match(w1.details, /retraining: incident #1: retraining run lifecycle:incidents:retrain-/);
  // Quality per variant with intervals, in the JSON report and the HTML page.
  const report = await stack.artifacts.getJson<{ variants: { variant: string; version: number; labelledRows: number; accuracy: { value: number; lower: number; upper: number } }[] }>(w1.window.reportUri ?? '');
  assert.deepEqual(report.variants.map((v) => [v.variant, v.version, v.labelledRows]), [['champion', 1, 730]]);
  const { accuracy } = report.variants[0];
  assert.ok(accuracy.lower < accuracy.value && accuracy.value < accuracy.upper && accuracy.upper - accuracy.lower < 0.1, JSON.stringify(accuracy));
  assert.match(await readFile(w1.window.reportHtml ?? '', 'utf8'), /<td>champion<\/td><td>v1<\/td><td>730<\/td><td>0\.\d+ <small>\[0\.\d+, 0\.\d+\]<\/small>/);

  const later3: (MonitorResult & { details: string; workflowId: string })[] = [];
  for (let i = 0; i < 3; i++) {
    await score(heatWave(later.slice(i * 200, i * 200 + 200)));
    later3.push(await monitor());
  }
  for (const w of later3) {
    assert.equal(w.window.breached, true, JSON.stringify(w.window));
    assert.equal(w.retrainWorkflowId, null);
    assert.equal(w.decision?.reason, 'incident_open');
    const expected = new RegExp(`incident #1 open since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z; retraining run ${w1.retrainWorkflowId} already started`);
    assert.match(w.decision?.detail ?? '', expected);
    assert.match(w.details, /no retraining \(incident_open\)/, 'the reason shows in the run\'s current details');
  }
  assert.deepEqual(await retrainRuns(), [w1.retrainWorkflowId], 'exactly one retraining run');
  await recordHistory(stack.client, later3[0].workflowId, undefined, 'monitor-breach-skip', {
    about: 'a monitor window in breach while its incident already has a retraining run: decided, nothing started', outcome: 'completed',
    activities: ['computeMonitorWindow', 'decideRetrain'],
  });
  const [incident] = await listIncidents(stack.db, NAME);
  assert.deepEqual(
    { status: incident.status, windows: incident.breachedWindows, run: incident.retrainWorkflowId, last: incident.lastDecision, started: incident.retrainStartedAt !== null },
    { status: 'open', windows: 4, run: w1.retrainWorkflowId, last: 'incident_open', started: true },
  );
  // Run the first monitor run again under its id: the same decision, no second run.
  const again = (await stack.client.workflow.execute(MONITOR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: w1.workflowId, args: [{ pipeline: ref }] })) as MonitorResult;
  assert.equal(again.retrainWorkflowId, w1.retrainWorkflowId);
  assert.deepEqual(await retrainRuns(), [w1.retrainWorkflowId]);
  await recordHistory(stack.client, w1.workflowId, undefined, 'monitor-rerun-child-exists', {
    about: 'a monitor run rerun under its id: the same retraining decision, and the child start refused as a duplicate', outcome: 'completed',
    activities: ['computeMonitorWindow', 'decideRetrain', 'recordRetrainStart'], childWorkflows: ['lifecycleWorkflow'], events: ['START_CHILD_WORKFLOW_EXECUTION_FAILED'],
  });

  // The retraining run learns from the 730 labelled requests plus the champion's training snapshot.
  const retrained = completeResult(await stack.client.workflow.getHandle(w1.retrainWorkflowId ?? '').result());
  const champion = await getModelVersion(stack.db, NAME, 1);
  const championData = await getDataset(stack.db, champion?.datasetId ?? '');
  assert.match(retrained.dataset.source, /^feedback:incidents:upto-\d+\+champion-data-[0-9a-f]{12}$/);
  assert.equal(retrained.dataset.rows, (championData?.rows ?? 0) + 730);
});

test('a window that cannot be judged is stored with its reason and the next window is judged; incidents close and reopen', async () => {
  await score(later.slice(0, 150).map((r) => ({ ...r, wind: null })));
  const bad = await monitor();
  assert.equal(bad.window.evaluated, false);
  assert.equal(bad.window.notJudged?.code, 'unjudgeable');
  assert.match(bad.window.notJudged?.reason ?? '', /column "wind" has no values in the window's 150 rows/);
  assert.match(bad.details, /not judged: column "wind"/);
  const stored = await findMonitorReport(stack.db, bad.workflowId);
  assert.deepEqual([stored?.judged, stored?.rows], [false, 150]);
  assert.match(await readFile(bad.window.reportHtml ?? '', 'utf8'), /Not judged/);
  await recordHistory(stack.client, bad.workflowId, undefined, 'monitor-not-judged', {
    about: 'a monitor window that cannot be judged: stored with its reason, no incident decision', outcome: 'completed', activities: ['computeMonitorWindow'],
  });
  assert.match(formatStatus(await collectStatus(stack.client, stack.db)), /incidents \(\d+, \d+\] 150 rows: NOT JUDGED — column "wind" has no values/);

  await score(earlier);
  const next = await monitor();
  assert.equal(next.window.evaluated, true);
  assert.equal(next.window.fromPredictionId, bad.window.toPredictionId, 'the cursor moved past the unjudged window');
  assert.equal(next.window.breached, false, next.window.reasons.join('; '));
  assert.deepEqual(next.decision?.closed, [{ id: 1, reason: 'a judged window is back within policy' }]);

  // A new breach opens incident #2; the first retraining run was minutes ago: the cool-down says no.
  await score(heatWave(later.slice(0, 300)));
  const cooled = await monitor();
  assert.deepEqual([cooled.decision?.incidentId, cooled.decision?.reason, cooled.retrainWorkflowId], [2, 'cooldown', null]);
  assert.match(cooled.decision?.detail ?? '', /started \d+ s ago; cool-down retrain.cooldownSeconds = 3600 s/);
  // Without a cool-down, no new label since the first run's data: still no.
  const noCooldown = (await registerDefinition(stack.db, { ...definition, retrain: { ...definition.retrain, cooldownSeconds: 0 } })).ref;
  await score(heatWave(later.slice(300, 600)));
  const unlabelled = await monitor(noCooldown);
  assert.deepEqual([unlabelled.decision?.incidentId, unlabelled.decision?.reason], [2, 'too_few_new_labels']);
  assert.match(unlabelled.decision?.detail ?? '', /0 new labelled rows since the data of the last retraining run .*; retrain.minNewLabels = 100/);
  assert.equal((await retrainRuns()).length, 1);

  // Labels arrive late, for answers in windows judged already: they count in the next window (quality on label time) …
  const feedback = Array.from({ length: 120 }, (_, i) => ({ requestId: `unlabelled-${i}`, label: 'rain' }));
  const posted = await fetch(`${stack.info.httpUrl}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedback }) });
  assert.equal(((await posted.json()) as { stored: number }).stored, 120);
  await score(heatWave(later.slice(600, 730)));
  const labelled = await monitor(noCooldown);
  const report = await stack.artifacts.getJson<{ variants: { variant: string; labelledRows: number }[] }>(labelled.window.reportUri ?? '');
  assert.deepEqual(report.variants.map((v) => [v.variant, v.labelledRows]), [['champion', 120]]);
  // … and as new labels since the first run's data: incident #2 gets its one retraining run.
  assert.deepEqual([labelled.decision?.incidentId, labelled.decision?.decision], [2, 'retrain']);
  assert.match(labelled.decision?.detail ?? '', /\(120 new labels\)/);
  assert.equal((await retrainRuns()).length, 2);
});

test('after a promotion the incident closes and drift is measured against the new champion\'s training data', async () => {
  // A model trained on 2014–2015 alone (the retrained v2, with 2012–2013 in its data, is not better by the gate's margin).
  const run = await startLifecycle(stack, definition, { dataPath: join(EXAMPLE, 'replay-2014-2015.csv'), reason: 'test: a newer model' });
  const v3 = completeResult(await run.handle.result()).model;
  // Its run queued its rollout behind an earlier retrained version's, if one runs: a person makes way for it (the queue
  // then starts it), and promotes it (audited Updates).
  const running = await rolloutState(stack.client, NAME).catch(() => null);
  if (running && running.challengerVersion !== v3.version && (running.status === 'running' || running.status === 'paused')) {
    await steerRollout(stack, NAME, 'rollback', { actor: 'test', reason: 'make way for the newer model', version: running.challengerVersion });
  }
  await eventually(`v${v3.version} in rollout`, 30_000, async () => {
    const s = await rolloutState(stack.client, NAME).catch(() => null);
    return s?.challengerVersion === v3.version && s.championVersion !== null && s.status === 'running' ? s : null;
  });
  const state = await steerRollout(stack, NAME, 'promote', { actor: 'test', reason: 'promote the newer model', version: v3.version });
  assert.equal(state.status, 'promoted');
  const promoted = await getModelVersion(stack.db, NAME, v3.version);
  await score(later.slice(0, 200));
  const w = await monitor();
  assert.equal(w.window.modelVersion, v3.version);
  assert.deepEqual(w.decision?.closed, [{ id: 2, reason: `champion changed from v1 to v${v3.version}` }]);
  const report = await stack.artifacts.getJson<{ referenceDataset: string; variants: { variant: string; version: number }[] }>(w.window.reportUri ?? '');
  assert.equal(report.referenceDataset, promoted?.datasetId);
  assert.notEqual(promoted?.datasetId, (await getModelVersion(stack.db, NAME, 1))?.datasetId);
  const incidents = await listIncidents(stack.db, NAME);
  assert.deepEqual(incidents.slice(0, 2).map((i) => [i.id, i.status, i.closeReason]), [[1, 'closed', 'within_policy'], [2, 'closed', 'champion_changed']]);
});

test('a retraining run chosen by a monitor run that ended before starting it is started by the next window, once', async () => {
  const deps = { db: stack.db, artifacts: stack.artifacts } as unknown as ActivityDeps; // the decision reads Postgres only
  const noCooldown = (await registerDefinition(stack.db, { ...definition, retrain: { ...definition.retrain, cooldownSeconds: 0 } })).ref;
  const feedback = Array.from({ length: 100 }, (_, i) => ({ requestId: `unlabelled-${200 + i}`, label: 'sun' }));
  await fetch(`${stack.info.httpUrl}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ feedback }) });
  const champion = (await getDeployment(stack.db, NAME))?.championVersion ?? 0;
  const { rows } = await stack.db.query<{ max: number }>('SELECT MAX(id)::int AS max FROM predictions WHERE model_name = $1', [NAME]);
  // A monitor run decides, then is lost before its child starts (nothing is started here).
  const lost = await createIncidentActivities(deps).decideRetrain({
    monitorRunId: 'lost-before-start', pipeline: noCooldown, window: { evaluated: true, breached: true, reasons: ['test'], modelVersion: champion, toPredictionId: rows[0].max },
  });
  assert.equal(lost.decision, 'retrain', lost.detail);
  const before = await retrainRuns();
  assert.ok(!before.includes(lost.workflowId ?? ''));

  await score(heatWave(later.slice(0, 200)));
  const next = await monitor(noCooldown);
  assert.equal(next.window.breached, true);
  assert.deepEqual([next.decision?.decision, next.decision?.incidentId, next.retrainWorkflowId], ['retrain', lost.incidentId, lost.workflowId]);
  assert.match(next.decision?.detail ?? '', /chosen by an earlier window, is not recorded as started: starting it/);
  const after = await monitor(noCooldown); // no new rows: not judged, nothing decided
  assert.equal(after.decision, null);
  assert.deepEqual((await retrainRuns()).filter((id) => id === lost.workflowId), [lost.workflowId]);
  const incident = (await listIncidents(stack.db, NAME)).find((i) => i.id === lost.incidentId);
  assert.deepEqual([incident?.retrainWorkflowId, incident?.retrainStartedAt !== null], [lost.workflowId, true]);
});
