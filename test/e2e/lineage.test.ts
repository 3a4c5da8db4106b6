// Lineage for audits on a real stack: v1 trained, served, breached; its incident retrained v2, promoted by a person; both ways.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MONITOR_WORKFLOW, TASK_QUEUE } from '../../contracts/names.js';
import type { MonitorResult } from '../../contracts/types.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { PipelineDefinition } from '../../lib/config/pipeline.js';
import { BUILTIN_DESCRIPTORS, type BuiltinStepName } from '../../lib/steps/catalog.js';
import type { ModelLineage } from '../../lib/store/lineage.js';
import type { SnapshotLineage } from '../../lib/store/lineageSnapshot.js';
import { batchScoreResult, startBatchScore } from '../../triggers/batchScore.js';
import { completeResult, resolvePipeline, runResult } from '../../triggers/client.js';
import { definitionOfRun } from '../../lib/store/definitions.js';
import { readRecords } from '../../triggers/replay.js';
import { rolloutState } from '../../triggers/rollout.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { ALICE, BOB, cli, slowPolicy } from './rolloutPeopleFixture.js';

const NAME = 'lineage';
const EXAMPLE = join(PROJECT_ROOT, 'examples/seattle-weather');
let stack: TestStack;
/** What the scenario produced, as the test saw it from Temporal and the APIs (the lineage must agree). */
const seen = { v1Run: { workflowId: '', runId: '' }, monitorRun: '', retrainRun: { workflowId: '', runId: '' }, rolloutRunId: '', snapshot: '', rows: 0, batchJob: '' };

const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
async function post(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${stack.info.httpUrl}${path}`, { method: 'POST', headers: auth(ALICE.token), body: JSON.stringify(body) });
  const json = (await res.json()) as unknown;
  assert.ok(res.ok, `${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

before(async () => {
  stack = await startTestStack({ env: { tokens: [ALICE, BOB] } });
  const example = await resolvePipeline('seattle-weather');
  // One small search; a gate any sane model passes (the test is about the record, not the model); people decide rollouts.
  const definition = {
    ...example, name: NAME, search: { ...example.search, folds: 3, space: { logreg: { l2: [0.01] } } }, schedules: {},
    gate: { metric: 'accuracy', minimum: 0.3, minImprovement: -1 }, rollout: slowPolicy(), retrain: { ...example.retrain, includeChampionData: true },
  } as PipelineDefinition;

  // A service starts the first run over HTTP (audited under its token's subject).
  const file = join(await mkdtemp(join(tmpdir(), 'mlcycle-lineage-')), 'pipeline.json');
  await writeFile(file, JSON.stringify(definition));
  seen.v1Run = (await post('/v1/runs', { pipeline: file, reason: 'first training' })) as typeof seen.v1Run;
  const r1 = completeResult(await runResult(stack.client.workflow.getHandle(seen.v1Run.workflowId)));
  assert.equal(r1.deployment?.role, 'champion');
  const pipeline = await definitionOfRun(stack.db, seen.v1Run.workflowId);
  seen.snapshot = r1.dataset.id;
  seen.rows = r1.dataset.rows;

  // 2014–2015 as labelled traffic (through the authenticated API): v1 serves it, and it drifts from 2012–2013.
  const records = await readRecords(join(EXAMPLE, 'replay-2014-2015.csv'));
  for (let start = 0; start < records.length; start += 100) {
    const batch = records.slice(start, start + 100);
    const requestIds = batch.map((_, i) => `lineage-${start + i}`);
    await post(`/v1/models/${NAME}/predict`, { instances: batch.map(({ weather: _w, ...f }) => f), requestIds });
    await post('/v1/feedback', { feedback: batch.map((r, i) => ({ requestId: requestIds[i], label: String(r.weather) })) });
  }
  await eventually('the answers logged', 30_000, async () => {
    const { rows } = await stack.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM predictions WHERE model_name = $1', [NAME]);
    return rows[0].n === records.length ? true : null;
  });

  seen.monitorRun = `monitor:${NAME}-lineage-1`;
  const monitor = (await stack.client.workflow.execute(MONITOR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: seen.monitorRun, args: [{ pipeline: { name: NAME, version: pipeline?.version ?? '' } }] })) as MonitorResult;
  assert.equal(monitor.window.breached, true, monitor.window.reasons.join('; '));
  const retrain = stack.client.workflow.getHandle(monitor.retrainWorkflowId ?? '');
  const r2 = completeResult(await retrain.result());
  seen.retrainRun = { workflowId: retrain.workflowId, runId: (await retrain.describe()).runId };
  assert.deepEqual([r2.model.version, r2.deployment?.role], [2, 'challenger']);

  // A person promotes v2 over HTTP (audited as token:alice).
  await eventually('v2 in rollout', 30_000, async () => {
    const s = await rolloutState(stack.client, NAME).catch(() => null);
    return s?.challengerVersion === 2 && s.status === 'running' ? s : null;
  });
  seen.rolloutRunId = (await stack.client.workflow.getHandle(`rollout:${NAME}`).describe()).runId;
  await post(`/v1/rollouts/${NAME}/promote`, { version: 2, reason: 'audit trail test: v2 is fit to serve' });

  // v1 scores its own training file as a batch job: the same rows, the same snapshot.
  const job = await startBatchScore(stack, { ref: NAME, version: 1, data: join(EXAMPLE, 'train-2012-2013.csv'), out: join(tmpdir(), `lineage-${Date.now()}.parquet`) });
  await batchScoreResult(job.handle);
  seen.batchJob = job.workflowId;
});
after(async () => {
  await stack?.teardown();
});

test('v1 from its snapshot to the next version: validation, search, run and step code versions, the rollout that replaced it, windows, incident', async () => {
  const { code, out } = await cli(stack, 'lineage', `${NAME}@1`, '--json');
  assert.equal(code, 0, out);
  const l = JSON.parse(out) as ModelLineage;
  const v1 = (await stack.db.query<{ sha256: string }>('SELECT sha256 FROM model_versions WHERE name = $1 AND version = 1', [NAME])).rows[0];
  assert.equal(l.model.sha256, v1.sha256);
  assert.equal(l.producedBy, seen.v1Run.workflowId);
  assert.equal(l.startedBy, null, 'the first version was started by a service, not an incident');
  assert.deepEqual(l.run?.audit.map((a) => [a.actor, a.action]), [['alice', 'start_run']]);
  // The run: its workflow id and Temporal run id, each step with its code version and cache key.
  assert.deepEqual([l.run?.workflowId, l.run?.temporalRunIds], [seen.v1Run.workflowId, [seen.v1Run.runId]]);
  assert.deepEqual(l.run?.steps.map((s) => [s.stepId, s.status, s.codeVersion]), [
    ...(['ingest', 'validate', 'optimize', 'package', 'rollout'] as const).map((name) => [name, 'executed', BUILTIN_DESCRIPTORS[name].codeVersion]),
  ]);
  assert.ok(l.run?.steps.every((s) => /^[0-9a-f]{64}$/.test(s.cacheKey ?? '')));
  // Data → validation → search.
  assert.deepEqual(l.run?.snapshots.map((d) => [d.id, d.rows]), [[seen.snapshot, seen.rows]]);
  assert.deepEqual(l.run?.snapshots[0].roles, ['ingest → dataset', 'validate → dataset', 'validate → training data', 'optimize → trained on']);
  assert.deepEqual([l.run?.validation?.ok, l.run?.validation?.runId, l.run?.validation?.datasetId, l.run?.validation?.errors], [true, seen.v1Run.workflowId, seen.snapshot, 0]);
  assert.ok(l.run?.validation?.htmlPath?.endsWith('.html'));
  assert.equal(l.run?.search?.runId, seen.v1Run.workflowId);
  assert.ok((l.run?.search?.trials.length ?? 0) >= 1 && l.run?.search?.candidate?.blessed === true);
  // The rollout in which v2 replaced it, decided by a person; the windows it served as champion; the incident and what it led to.
  assert.deepEqual(l.rollouts.map((r) => [r.role, r.runId, r.challengerVersion, r.status, r.decidedBy]), [['champion', seen.rolloutRunId, 2, 'promoted', 'token:alice']]);
  assert.ok(l.audit.some((a) => a.action === 'register_model') && l.audit.some((a) => a.action === 'deploy_champion'));
  assert.deepEqual(l.served.traffic.map((t) => [t.variant, t.requests, t.errors]), [['champion', 730, 0]]);
  assert.deepEqual(l.served.windows.map((w) => [w.monitorRunId, w.rows, w.breached]), [[seen.monitorRun, 730, true]]);
  assert.deepEqual(l.incidents.map((i) => [i.id, i.openedBy, i.retrain?.workflowId, i.retrain?.monitorRunId, i.nextVersion]), [[1, seen.monitorRun, seen.retrainRun.workflowId, seen.monitorRun, 2]]);

  // The same as a tree a person reads, and as an HTML page.
  const html = join(stack.env.stateDir, 'lineage-v1.html');
  const tree = await cli(stack, 'lineage', `${NAME}@1`, '--html', html);
  assert.equal(tree.code, 0, tree.out);
  for (const line of [
    `lineage@1 · sha256 ${v1.sha256}`,
    `├─ run ${seen.v1Run.workflowId} · Temporal run ${seen.v1Run.runId} · definition lineage@`,
    `│  ├─ 20`, ` alice start_run (reason: first training (by alice))`,
    `│  ├─ ingest (ingest): executed · Temporal run ${seen.v1Run.runId} · code ${BUILTIN_DESCRIPTORS.ingest.codeVersion} · cache key `,
    `│  └─ snapshot ${seen.snapshot} · `,
    `├─ validation: passed against schema v1, 0 errors`,
    `├─ rollouts: 1`,
    `rollout rollout:${NAME} · Temporal run ${seen.rolloutRunId} · challenger v2 vs this version (champion): promoted by token:alice at `,
    `(stage shadow): audit trail test: v2 is fit to serve`,
    `monitor window ${seen.monitorRun} (0, `,
    `] 730 rows: BREACH — feature `,
    `└─ incidents while champion: 1`,
    `retraining run ${seen.retrainRun.workflowId} (decided by monitor run ${seen.monitorRun}`,
    `└─ → next version lineage@2`,
  ]) assert.ok(tree.out.includes(line), `${line}\nnot in\n${tree.out}`);
  const page = await readFile(html, 'utf8');
  assert.match(page, /<title>Lineage of lineage@1<\/title>/);
  assert.ok(page.includes(`incident #1 open`) && page.includes(`→ next version lineage@2`));
});

test('v2 names the incident and the retraining run that made it, and its own rollout with every decision and actor', async () => {
  const res = await fetch(`${stack.info.httpUrl}/v1/lineage/models/${NAME}@2`, { headers: auth(ALICE.token) });
  assert.equal(res.status, 200);
  const l = (await res.json()) as ModelLineage;
  assert.equal(l.producedBy, seen.retrainRun.workflowId);
  assert.deepEqual([l.startedBy?.incidentId, l.startedBy?.monitorRunId, l.startedBy?.previousVersion], [1, seen.monitorRun, 1]);
  assert.deepEqual([l.run?.workflowId, l.run?.temporalRunIds], [seen.retrainRun.workflowId, [seen.retrainRun.runId]]);
  assert.ok(l.run?.steps.every((s) => s.codeVersion === BUILTIN_DESCRIPTORS[s.uses as BuiltinStepName].codeVersion), JSON.stringify(l.run?.steps));
  // Trained on labelled traffic plus v1's snapshot.
  const trained = l.run?.snapshots.find((d) => d.roles.includes('optimize → trained on'));
  assert.match(trained?.source ?? '', new RegExp(`^feedback:${NAME}:upto-\\d+\\+champion-data-${seen.snapshot.slice(0, 12)}$`));
  assert.equal(trained?.rows, seen.rows + 730);
  const [rollout] = l.rollouts;
  assert.deepEqual([l.rollouts.length, rollout.role, rollout.workflowId, rollout.runId, rollout.status, rollout.decidedBy], [1, 'challenger', `rollout:${NAME}`, seen.rolloutRunId, 'promoted', 'token:alice']);
  assert.equal(rollout.request?.requestedBy, seen.retrainRun.workflowId, 'the retraining run asked for the rollout');
  assert.deepEqual(rollout.audit.map((a) => [a.actor, a.action]).filter(([, action]) => action !== 'rollout_stage'), [['token:alice', 'rollout_promote']]);
  assert.ok(rollout.audit.some((a) => a.action === 'rollout_stage' && a.details.stage === 'shadow'));
  assert.ok(l.audit.some((a) => a.action === 'register_model' && a.details.runId === seen.retrainRun.workflowId));
});

test('in reverse: everything that used v1\'s snapshot — its run, v1, the retraining that added it, the batch job', async () => {
  const { code, out } = await cli(stack, 'lineage', '--snapshot', seen.snapshot.slice(0, 12), '--json');
  assert.equal(code, 0, out);
  const l = JSON.parse(out) as SnapshotLineage;
  assert.equal(l.snapshot.id, seen.snapshot);
  assert.deepEqual(l.runs.map((r) => [r.workflowId, r.temporalRunIds, r.steps.map((s) => s.stepId)]), [[seen.v1Run.workflowId, [seen.v1Run.runId], ['ingest', 'validate', 'optimize']]]);
  assert.deepEqual(l.models.map((m) => [m.name, m.version, m.role]), [[NAME, 1, 'trained on it']]);
  assert.deepEqual(l.validations.map((v) => [v.runId, v.ok]), [[seen.v1Run.workflowId, true]]);
  assert.deepEqual(l.schemas, [{ pipeline: NAME, version: 1 }]);
  assert.deepEqual(l.driftReferences, [{ name: NAME, version: 1 }]);
  assert.deepEqual(l.retrains.map((r) => [r.workflowId, r.monitorRunId, r.incidentId, r.datasets.length]), [[seen.retrainRun.workflowId, seen.monitorRun, 1, 1]]);
  assert.deepEqual(l.batchScores.map((b) => [b.jobId, b.model, b.version, b.rows, b.finished]), [[seen.batchJob, NAME, 1, seen.rows, true]]);
  const tree = await cli(stack, 'lineage', '--snapshot', seen.snapshot);
  assert.ok(tree.out.includes(`├─ runs: 1\n│  └─ run ${seen.v1Run.workflowId} · Temporal run ${seen.v1Run.runId}`), tree.out);
  assert.ok(tree.out.includes(`batch scores: 1\n   └─ job ${seen.batchJob} · lineage@1 · ${seen.rows} rows → `), tree.out);
});

test('what does not exist, or is not a reference, is refused in one sentence; the HTTP route needs an operator\'s token', async () => {
  const refusals = await Promise.all([
    cli(stack, 'lineage', 'no-such-model@1'), cli(stack, 'lineage', `${NAME}@9`), cli(stack, 'lineage', 'cars-mpg@x'),
    cli(stack, 'lineage', '--snapshot', 'feedbeef00'), cli(stack, 'lineage'),
  ]);
  assert.deepEqual(refusals.map((r) => [r.code, r.out.trim()]), [
    [1, 'mlcycle lineage: no model named "no-such-model" is registered.'],
    [1, `mlcycle lineage: ${NAME} has no version 9 (its versions: 1, 2).`],
    [2, 'mlcycle lineage: "cars-mpg@x" is not a model reference: write <model>@<version>, e.g. cars-mpg@2 (a lowercase name, a positive version).'],
    [1, 'mlcycle lineage: no snapshot starting with feedbeef00 is registered.'],
    [2, 'mlcycle lineage: name either a model version (mlcycle lineage cars-mpg@2) or a snapshot (mlcycle lineage --snapshot <id>), not both or neither.'],
  ]);
  const get = (path: string, token?: string) => fetch(`${stack.info.httpUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const answers = await Promise.all([
    get(`/v1/lineage/models/${NAME}@1`), get(`/v1/lineage/models/${NAME}@1`, BOB.token), get(`/v1/lineage/models/${NAME}@9`, ALICE.token),
    get('/v1/lineage/models/cars-mpg@x', ALICE.token), get(`/v1/lineage/snapshots/${seen.snapshot}`, ALICE.token), get('/v1/lineage/snapshots/xyz', ALICE.token),
  ]);
  const bodies = await Promise.all(answers.map(async (a) => [a.status, ((await a.json()) as { error?: string }).error]));
  assert.deepEqual(bodies, [[401, 'Unauthorized'], [403, 'Forbidden'], [404, 'NotFound'], [400, 'BadInput'], [200, undefined], [400, 'BadInput']]);
});
