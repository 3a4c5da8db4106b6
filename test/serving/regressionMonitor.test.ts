// Regression quality after serving: the RMSE judgement (pure), a monitor window over real traffic, feedback → numeric target.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIngestActivities } from '../../activities/ingest.js';
import { createMonitorActivities } from '../../activities/monitor.js';
import { judgeQuality, type QualityRow } from '../../lib/stats/quality.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { TrainingPool } from '../../activities/trainingPool.js';
import { parsePipeline } from '../../lib/config/pipeline.js';
import { decodeSnapshot, encodeSnapshot } from '../../lib/data/snapshot.js';
import { column } from '../../lib/data/table.js';
import { tableFromObjects } from '../../lib/data/typing.js';
import { upsertDataset } from '../../lib/store/datasets.js';
import { saveDefinition } from '../../lib/store/definitions.js';
import { deployVersion } from '../../lib/store/models.js';
import type { DatasetRef, IngestInput, PipelineRef } from '../../contracts/types.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { registerModelBytes, startTestStack, type TestStack } from './harness.js';
import { linearRegressorOnnx, regressionCard } from './regressionFixture.js';

const POLICY = { minRows: 4, maxAccuracyDrop: 0.1, maxRmseIncrease: 0.5 };
const reg = (label: string | null, predictedValue: number | null): QualityRow => ({ label, predicted: null, predictedValue });

test('judgeQuality (regression): RMSE and MAE over numeric labels; breach above holdout RMSE × (1 + maxRmseIncrease)', () => {
  const rows = [reg('3', 1), reg('-1', 1), reg('1', 3), reg(' 3 ', 1), reg(null, 7), reg('n/a', 1), reg('2', null)];
  const { quality, reasons } = judgeQuality('regression', rows, { rmse: 1, mae: 0.9 }, POLICY);
  assert.deepEqual(quality, { task: 'regression', labelledRows: 4, rmse: 2, mae: 2, championHoldoutRmse: 1 });
  assert.deepEqual(reasons, [`rmse 2.000 on 4 labelled rows is 100.0% above the champion's holdout 1.000 (allowed 50.0%)`]);
  // At the limit (1.5 × 4/3 = 2) nothing breaches; nor with too few labelled rows, nor without a holdout RMSE.
  assert.deepEqual(judgeQuality('regression', rows, { rmse: 4 / 3 }, POLICY).reasons, []);
  assert.deepEqual(judgeQuality('regression', rows, { rmse: 1 }, { ...POLICY, minRows: 5 }).reasons, []);
  assert.deepEqual(judgeQuality('regression', rows, { r2: 0.9 }, POLICY), {
    quality: { task: 'regression', labelledRows: 4, rmse: 2, mae: 2, championHoldoutRmse: null },
    reasons: [],
  });
  assert.deepEqual(judgeQuality('regression', [reg(null, 1)], { rmse: 1 }, POLICY).quality, {
    task: 'regression', labelledRows: 0, rmse: null, mae: null, championHoldoutRmse: 1,
  });
});

test('judgeQuality (classification) is the accuracy judgement as before', () => {
  const rows: QualityRow[] = ['yes', 'no', 'no', 'no', null].map((label, i) => ({ label, predicted: i < 2 ? label : 'yes', predictedValue: null }));
  const { quality, reasons } = judgeQuality('classification', rows, { accuracy: 0.9 }, POLICY);
  assert.deepEqual(quality, { labelledRows: 4, accuracy: 0.5, championHoldoutAccuracy: 0.9 });
  assert.deepEqual(reasons, [`accuracy 0.500 on 4 labelled rows is 0.400 below the champion's holdout 0.900`]);
});

// ---- a monitor window and a feedback dataset over real traffic of a served regressor

const SPEC = { coefficients: [2, -3], intercepts: [0.5] };
let stack: TestStack;
let serving: ServingApp;
let deps: ActivityDeps;
const pipeline = parsePipeline(
  {
    name: 'price',
    data: { path: 'unused.csv' },
    task: 'regression',
    target: 'price',
    features: { numeric: ['x1', 'x2'] },
    search: { space: { ridge: { alpha: [1] } } },
    monitor: { minRows: 50, maxRmseIncrease: 0.5 },
  },
  'test',
  '/',
);
/** The window's features match the reference exactly: any breach is the model's quality, not drift. */
const features = (i: number) => ({ x1: ((i * 37) % 120) / 60 - 1, x2: (i % 10) / 5 });

before(async () => {
  stack = await startTestStack();
  const reference = tableFromObjects(Array.from({ length: 120 }, (_, i) => ({ ...features(i), price: i })), 'reference');
  const snapshot = await stack.artifacts.put(encodeSnapshot(reference));
  const columns = reference.columns.map((c) => ({ name: c.name, kind: c.kind }));
  await upsertDataset(stack.db, { id: snapshot.sha256, pipeline: 'price', source: 'test', uri: snapshot.uri, rows: 120, columns, profileUri: null });
  const card = regressionCard({ rmse: 1, mae: 0.8, r2: 0.9 }, snapshot.sha256);
  const v1 = await registerModelBytes(stack, 'price', linearRegressorOnnx(SPEC), 'run-p1', card);
  await deployVersion(stack.db, 'price', v1.version, 0, 'first');
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false });
  // The monitor and ingest steps never call Temporal.
  deps = { db: stack.db, artifacts: stack.artifacts, temporal: null as unknown as Client, taskQueue: 'unused', reportsDir: join(stack.dir, 'reports'), databaseUrl: '', training: null as unknown as TrainingPool };
});
after(async () => {
  await serving?.close();
  await stack?.stop();
});

/** Scores 120 rows under ids `${prefix}-i`, then labels each as its served value ± error. */
async function serveAndLabel(prefix: string, error: number): Promise<void> {
  const ids = Array.from({ length: 120 }, (_, i) => `${prefix}-${i}`);
  const res = await serving.app.inject({
    method: 'POST',
    url: '/v1/models/price/predict',
    payload: { instances: ids.map((_, i) => features(i)), requestIds: ids },
  });
  assert.equal(res.statusCode, 200);
  const { predictions } = res.json() as { predictions: { requestId: string; value: number }[] };
  const feedback = predictions.map((p, i) => ({ requestId: p.requestId, label: String(p.value + (i % 2 ? error : -error)) }));
  const stored = await serving.app.inject({ method: 'POST', url: '/v1/feedback', payload: { feedback } });
  assert.deepEqual(stored.json(), { stored: 120, unknown: [] });
}

test('a monitor window of a regressor: RMSE 3 against holdout 1 breaches, RMSE 1.2 does not; the report shows RMSE', async () => {
  const monitor = createMonitorActivities(deps);
  const ref = await saveDefinition(stack.db, pipeline, {});
  await serveAndLabel('bad', 3);
  const bad = await monitor.computeMonitorWindow({ monitorRunId: 'mon-1', pipeline: ref });
  assert.equal(bad.evaluated, true);
  assert.equal(bad.rows, 120);
  assert.equal(bad.breached, true);
  assert.deepEqual(bad.reasons, [`rmse 3.000 on 120 labelled rows is 200.0% above the champion's holdout 1.000 (allowed 50.0%)`]);
  const report = await stack.artifacts.getJson<{ quality: { task: string; labelledRows: number; rmse: number; mae: number; championHoldoutRmse: number } }>(bad.reportUri ?? '');
  assert.equal(report.quality.task, 'regression');
  assert.equal(report.quality.labelledRows, 120);
  assert.ok(Math.abs(report.quality.rmse - 3) < 1e-6 && Math.abs(report.quality.mae - 3) < 1e-6);
  assert.equal(report.quality.championHoldoutRmse, 1);
  const html = await readFile(bad.reportHtml ?? '', 'utf8');
  assert.match(html, /Breach/);
  assert.match(html, /RMSE 3\.00, MAE 3\.00 \(champion's holdout RMSE 1\.00; allowed increase 50%\)/);

  await serveAndLabel('fine', 1.2);
  const fine = await monitor.computeMonitorWindow({ monitorRunId: 'mon-2', pipeline: ref });
  // A schedule made before definitions were stored holds the whole definition: it is stored and used.
  const legacy = await monitor.computeMonitorWindow({ monitorRunId: 'mon-legacy', pipeline: pipeline as unknown as PipelineRef });
  assert.equal(legacy.evaluated, false, 'no new rows since mon-2');
  assert.equal(legacy.retrainEnabled, true);
  assert.equal(fine.evaluated, true);
  assert.equal(fine.rows, 120, 'only the new window');
  assert.equal(fine.breached, false);
  assert.deepEqual(fine.reasons, []);
});

test('the feedback data source turns a regressor\'s labels into a numeric target column', async () => {
  const ingest = createIngestActivities(deps);
  const input: IngestInput = { pipeline: 'price', source: { kind: 'feedback', modelName: 'price', upToPredictionId: 1_000_000 } };
  const ref: DatasetRef = await new MockActivityEnvironment().run(ingest.ingestDataset, input);
  assert.equal(ref.rows, 240);
  assert.deepEqual(ref.columns, [
    { name: 'x1', kind: 'numeric' },
    { name: 'x2', kind: 'numeric' },
    { name: 'price', kind: 'numeric' },
  ]);
  const table = decodeSnapshot(await stack.artifacts.get(ref.uri));
  const labels = await stack.db.query<{ label: string }>(
    `SELECT f.label FROM predictions p JOIN feedback f USING (request_id) WHERE p.model_name = 'price' ORDER BY p.id`,
  );
  assert.deepEqual(Array.from(column(table, 'price').values as ArrayLike<number>), labels.rows.map((r) => Number(r.label)));
});
