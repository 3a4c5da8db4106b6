// The monitor's success metric over real traffic: exposures and outcomes per variant, and retrain.whenSuccess as a breach.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createMonitorActivities } from '../../activities/monitor.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { TrainingPool } from '../../activities/trainingPool.js';
import { parsePipeline, PipelineError } from '../../lib/config/pipeline.js';
import { encodeSnapshot } from '../../lib/data/snapshot.js';
import { tableFromObjects } from '../../lib/data/typing.js';
import { upsertDataset } from '../../lib/store/datasets.js';
import { saveDefinition } from '../../lib/store/definitions.js';
import { countSubject, eraseSubject } from '../../lib/store/erase.js';
import { deleteExpiredOutcomes } from '../../lib/store/outcomes.js';
import { deployVersion } from '../../lib/store/models.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { registerModelBytes, startTestStack, type TestStack } from './harness.js';
import { linearRegressorOnnx, regressionCard } from './regressionFixture.js';

const definition = {
  name: 'shop', data: { path: 'unused.csv' }, task: 'regression', target: 'price', features: { numeric: ['x1', 'x2'] },
  search: { space: { ridge: { alpha: [1] } } }, monitor: { minRows: 50 },
  rollout: { minEffect: 1, stages: [{ name: 'ab', traffic: 0.5 }], success: { name: 'revenue', kind: 'value', direction: 'increase', minEffect: 0.5 } },
  retrain: { whenSuccess: { below: 0.5, minUnits: 10 } },
};
const pipeline = parsePipeline(definition, 'test', '/');
const features = (i: number) => ({ x1: ((i * 37) % 120) / 60 - 1, x2: (i % 10) / 5 });
let stack: TestStack;
let serving: ServingApp;
let deps: ActivityDeps;

before(async () => {
  stack = await startTestStack();
  const reference = tableFromObjects(Array.from({ length: 120 }, (_, i) => ({ ...features(i), price: i })), 'reference');
  const snapshot = await stack.artifacts.put(encodeSnapshot(reference));
  const columns = reference.columns.map((c) => ({ name: c.name, kind: c.kind }));
  await upsertDataset(stack.db, { id: snapshot.sha256, pipeline: 'shop', source: 'test', uri: snapshot.uri, rows: 120, columns, profileUri: null });
  const v1 = await registerModelBytes(stack, 'shop', linearRegressorOnnx({ coefficients: [2, -3], intercepts: [0.5] }), 'run-s1', regressionCard({ rmse: 1 }, snapshot.sha256));
  await deployVersion(stack.db, 'shop', v1.version, 0, 'first');
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false });
  deps = { db: stack.db, artifacts: stack.artifacts, temporal: null as unknown as Client, taskQueue: 'unused', reportsDir: join(stack.dir, 'reports'), databaseUrl: '', training: null as unknown as TrainingPool };
});
after(async () => {
  await serving?.close();
  await stack?.stop();
});

test('retrain.whenSuccess needs a declared success metric, named by its path', () => {
  const { success: _s, ...rollout } = definition.rollout;
  assert.throws(() => parsePipeline({ ...definition, rollout }, 'test', '/'), (err: Error) => err instanceof PipelineError && /retrain\.whenSuccess.*needs a success metric/.test(err.message));
  assert.throws(() => parsePipeline({ ...definition, retrain: { whenSuccess: { minUnits: 5 } } }, 'test', '/'), /retrain\.whenSuccess.*needs below or above/);
});

test('a monitor window reports revenue per exposure by variant; below retrain.whenSuccess.below it breaches', async () => {
  const ref = await saveDefinition(stack.db, pipeline, {});
  // 12 users × 10 predictions; each user then earns 2 (one outcome), one outcome dated before its user's first exposure.
  const units = Array.from({ length: 120 }, (_, i) => `user-${i % 12}`);
  const res = await serving.app.inject({ method: 'POST', url: '/v1/models/shop/predict', payload: { instances: units.map((_, i) => features(i)), unitIds: units } });
  assert.equal(res.statusCode, 200);
  const later = new Date(Date.now() + 1000).toISOString();
  const earlier = new Date(Date.now() - 3_600_000).toISOString();
  const outcomes = [
    ...Array.from({ length: 12 }, (_, u) => ({ unitId: `user-${u}`, metric: 'revenue', value: 2, at: later, outcomeId: `order-${u}` })),
    { unitId: 'user-0', metric: 'revenue', value: 100, at: earlier },
  ];
  const posted = await serving.app.inject({ method: 'POST', url: '/v1/models/shop/outcomes', payload: { outcomes } });
  assert.deepEqual(posted.json(), { stored: 13, duplicates: 0, refused: [] });
  const again = await serving.app.inject({ method: 'POST', url: '/v1/models/shop/outcomes', payload: { outcomes: outcomes.slice(0, 3).map((o) => ({ ...o, value: 50 })) } });
  assert.deepEqual(again.json(), { stored: 0, duplicates: 3, refused: [] }, 'the same outcomeId counts once, whatever its value');

  const window = await createMonitorActivities(deps).computeMonitorWindow({ monitorRunId: 'mon-s1', pipeline: ref });
  assert.equal(window.evaluated, true, JSON.stringify(window.notJudged));
  assert.equal(window.breached, true);
  assert.deepEqual(window.reasons, ['success metric "revenue" 0.2 per exposure (champion v1, 12 units) below retrain.whenSuccess.below 0.5']);
  const stored = await stack.db.query<{ success: { metric: string; per: string; variants: unknown[] } }>("SELECT report->'success' AS success FROM monitor_reports WHERE monitor_run_id = 'mon-s1'");
  const success = stored.rows[0].success;
  assert.equal(success.metric, 'revenue');
  assert.equal(success.per, 'per exposure');
  // The outcome before user-0's first exposure belongs to no variant: 12 outcomes of 2 over 120 exposures.
  assert.deepEqual(success.variants, [{ variant: 'champion', version: 1, units: 12, exposures: 120, outcomes: 12, value: 0.2, standardError: 0 }]);
  const scraped = (await serving.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(scraped, /\nmlcycle_success_value\{model="shop",metric="revenue",variant="champion",version="1"\} 0\.2\n/);
});

test("erasing a unit removes its outcomes with its answers (counted and audited)", async () => {
  const dry = await countSubject(stack.db, { unit: 'user-3', hashed: null });
  assert.deepEqual([dry.predictions, dry.outcomes], [10, 1]);
  const erased = await eraseSubject(stack.db, { unit: 'user-3', hashed: null }, { actor: 'test', reason: 'art. 17', subject: 'unit:user-3', dryRun: false });
  assert.deepEqual([erased.predictions, erased.outcomes], [10, 1]);
  const left = await stack.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM outcomes WHERE unit = 'user-3'");
  assert.equal(left.rows[0].n, 0);
  const others = await stack.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM outcomes');
  assert.equal(others.rows[0].n, 12, "the other users' outcomes stay");
});

test('outcomes dated before the retention are removed with the old prediction log', async () => {
  const old = new Date(Date.now() - 100 * 86_400_000).toISOString();
  const posted = await serving.app.inject({ method: 'POST', url: '/v1/models/shop/outcomes', payload: { outcomes: [{ unitId: 'user-1', metric: 'revenue', value: 1, at: old }] } });
  assert.deepEqual(posted.json(), { stored: 1, duplicates: 0, refused: [] });
  assert.equal(await deleteExpiredOutcomes(stack.db, 90), 1);
  assert.equal(await deleteExpiredOutcomes(stack.db, 90), 0);
  await assert.rejects(deleteExpiredOutcomes(stack.db, 0), /retention must be a positive number of days/);
});
