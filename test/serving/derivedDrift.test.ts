// Drift of derived features over real traffic: a ratio whose inputs keep their marginals drifts, and the monitor names it beside the raw columns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createMonitorActivities } from '../../activities/monitor.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { TrainingPool } from '../../activities/trainingPool.js';
import { parsePipeline } from '../../lib/config/pipeline.js';
import { encodeSnapshot } from '../../lib/data/snapshot.js';
import { tableFromObjects } from '../../lib/data/typing.js';
import { upsertDataset } from '../../lib/store/datasets.js';
import { saveDefinition } from '../../lib/store/definitions.js';
import { deployVersion } from '../../lib/store/models.js';
import { exportModelToOnnx, modelInputs } from '../../lib/onnx/exportModel.js';
import { fitModel } from '../../lib/train/model.js';
import { transformsCard } from '../../lib/transforms/describe.js';
import type { DriftSuiteResult } from '../../lib/stats/driftSuite.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { registerModelBytes, startTestStack, tinyCard, waitFor, type TestStack } from './harness.js';

const N = 400;
/** A seeded uniform on [0, 1): the same rows every run. */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
/** Training and the first window: y follows x closely, so x / y stays near 1. */
function coupled(seed: number): { x: number; y: number }[] {
  const u = uniform(seed);
  return Array.from({ length: N }, () => {
    const x = 1 + u();
    return { x, y: x * (1 + (u() - 0.5) * 0.02) };
  });
}
/** The second window: x and y drawn independently on the same range, so each keeps its marginal and x / y spreads. */
function independent(seed: number): { x: number; y: number }[] {
  const u = uniform(seed);
  return Array.from({ length: N }, () => ({ x: 1 + u(), y: 1 + u() }));
}

let stack: TestStack;
let serving: ServingApp;
let deps: ActivityDeps;
const pipeline = parsePipeline(
  {
    name: 'ratio',
    data: { path: 'unused.csv' },
    target: 'band',
    transforms: [{ name: 'ratio', expr: 'x / y' }, { name: 'x_z', standardize: 'x' }],
    features: { numeric: ['ratio', 'x_z', 'y'] },
    search: { space: { logreg: { l2: [0.001] } } },
    monitor: { minRows: 50, drift: { method: 'ks' } },
  },
  'test',
  '/',
);

before(async () => {
  stack = await startTestStack();
  const rows = coupled(7).map((r) => ({ ...r, band: r.x / r.y > 1 ? 'high' : 'low' }));
  const reference = tableFromObjects(rows, 'training');
  const snapshot = await stack.artifacts.put(encodeSnapshot(reference));
  await upsertDataset(stack.db, {
    id: snapshot.sha256, pipeline: 'ratio', source: 'test', uri: snapshot.uri, rows: N, columns: reference.columns.map((c) => ({ name: c.name, kind: c.kind })), profileUri: null,
  });
  const model = fitModel(reference, { task: 'classification', target: 'band', algorithm: 'logreg', params: { l2: 1e-3 }, transforms: pipeline.transforms, features: { numeric: ['ratio', 'x_z', 'y'], categorical: [] } });
  assert.ok(model.transforms, 'the model carries its fitted transforms');
  const fitted = model.transforms;
  const v1 = await registerModelBytes(stack, 'ratio', exportModelToOnnx(model), 'run-ratio', (name, sha256, bytes) => ({
    ...tinyCard(name, sha256, bytes), signature: { inputs: modelInputs(model), target: 'band', task: 'classification', classes: model.classes },
    dataset: { id: snapshot.sha256, rows: N, source: 'test' }, transforms: transformsCard(fitted),
  }));
  await deployVersion(stack.db, 'ratio', v1.version, 0, 'first');
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false, predictionLog: { intervalMs: 50 }, aggregateFlushMs: 200 });
  // The monitor never calls Temporal.
  deps = { db: stack.db, artifacts: stack.artifacts, temporal: null as unknown as Client, taskQueue: 'unused', reportsDir: join(stack.dir, 'reports'), databaseUrl: '', training: null as unknown as TrainingPool };
});
after(async () => {
  await serving?.close();
  await stack?.stop();
});

let served = 0;
/** Scores the rows and waits until the log has written them to PostgreSQL (where the monitor reads them). */
async function serve(instances: { x: number; y: number }[]): Promise<void> {
  const res = await serving.app.inject({ method: 'POST', url: '/v1/models/ratio/predict', payload: { instances } });
  assert.equal(res.statusCode, 200, res.body);
  served += instances.length;
  const logged = await waitFor(async () => (await stack.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM predictions WHERE model_name = 'ratio'`)).rows[0].n === served, 10_000);
  assert.ok(logged, `the ${served} answers reach the log`);
}

const byName = (cols: DriftSuiteResult['features']) => Object.fromEntries(cols.map((c) => [c.feature, c.drifted]));

test('a derived ratio drifts while its inputs keep their marginals: the monitor names it, breaches on it, and reports it beside the raw columns', async () => {
  const monitor = createMonitorActivities(deps);
  const ref = await saveDefinition(stack.db, pipeline, {});

  await serve(coupled(11));
  const same = await monitor.computeMonitorWindow({ monitorRunId: 'mon-same', pipeline: ref });
  assert.equal(same.evaluated, true);
  assert.equal(same.breached, false, same.reasons.join('; '));
  const sameReport = await stack.artifacts.getJson<{ driftSuite: DriftSuiteResult; driftBasis: string }>(same.reportUri ?? '');
  assert.deepEqual(byName(sameReport.driftSuite.features), { y: false, x: false }, 'requests carry the raw columns');
  assert.deepEqual(byName(sameReport.driftSuite.derived ?? []), { ratio: false, x_z: false });
  assert.match(sameReport.driftBasis, /derived features computed with the champion's transforms \(arquero [\d.]+\) on 400 answers/);

  await serve(independent(13));
  const shifted = await monitor.computeMonitorWindow({ monitorRunId: 'mon-shifted', pipeline: ref });
  assert.equal(shifted.evaluated, true);
  assert.equal(shifted.breached, true);
  assert.equal(shifted.reasons.length, 1, shifted.reasons.join('; '));
  assert.match(shifted.reasons[0], /^derived feature "ratio": KS p-value [\d.e+-]+ < [\d.]+ \(holm\)$/);
  const report = await stack.artifacts.getJson<{ driftSuite: DriftSuiteResult }>(shifted.reportUri ?? '');
  assert.deepEqual(byName(report.driftSuite.features), { y: false, x: false }, 'each input alone looks as in training');
  assert.deepEqual(byName(report.driftSuite.derived ?? []), { ratio: true, x_z: false }, 'a monotone scaling of x does not drift');
  assert.equal(report.driftSuite.datasetDrift.share, 0, 'the share counts raw features only');
  const ratio = report.driftSuite.derived?.find((c) => c.feature === 'ratio');
  assert.ok(ratio && ratio.role === 'derived' && ratio.currentCount === N);

  const html = await readFile(shifted.reportHtml ?? '', 'utf8');
  assert.match(html, /<h3>Derived features<\/h3>/);
  assert.match(html, /<td>ratio<\/td><td>numeric<\/td>/);
  const stored = await stack.db.query<{ feature: string; role: string }>(`SELECT feature, tests->>'role' AS role FROM drift_values WHERE monitor_run_id = 'mon-shifted' ORDER BY feature`);
  assert.deepEqual(stored.rows.filter((r) => r.role !== 'extra'), [
    { feature: 'ratio', role: 'derived' }, { feature: 'x', role: 'feature' }, { feature: 'x_z', role: 'derived' }, { feature: 'y', role: 'feature' },
  ]);
});

const aggregated = async (): Promise<number> => (await stack.db.query<{ n: number }>(`SELECT COALESCE(SUM(rows), 0)::int AS n FROM window_aggregates WHERE model_name = 'ratio'`)).rows[0].n;

test('a window judged from the replicas\' aggregates still measures derived features, exactly on its newest answers', async () => {
  const monitor = createMonitorActivities(deps);
  const ref = await saveDefinition(stack.db, { ...pipeline, monitor: { ...pipeline.monitor, drift: { ...pipeline.monitor.drift, exactRows: 100 } } } as typeof pipeline, {});
  // The replica reads the champion's profile (made by the first test's window) and counts what it answers from then on.
  let seed = 100;
  const counting = await waitFor(async () => {
    await serve(coupled(++seed).slice(0, 10));
    await new Promise((r) => setTimeout(r, 300));
    return (await aggregated()) > 0;
  }, 30_000);
  assert.ok(counting, 'the replica counts on the profile');
  await new Promise((r) => setTimeout(r, 600));
  await monitor.computeMonitorWindow({ monitorRunId: 'mon-warm', pipeline: ref }); // both cursors move past the warm-up
  await stack.db.query(`UPDATE drift_profiles SET created_at = created_at - interval '1 hour' WHERE model_name = 'ratio'`);
  const before = await aggregated();
  await serve(independent(19));
  assert.ok(await waitFor(async () => (await aggregated()) === before + N, 10_000), 'the window is aggregated');
  const window = await monitor.computeMonitorWindow({ monitorRunId: 'mon-aggregated', pipeline: ref });
  assert.equal(window.rows, N);
  const report = await stack.artifacts.getJson<{ driftSuite: DriftSuiteResult; driftBasis: string }>(window.reportUri ?? '');
  assert.match(report.driftBasis, /^from the replicas' aggregates: 400 answers.*; derived features computed with the champion's transforms \(arquero [\d.]+\) on 100 answers/);
  assert.equal(report.driftSuite.mode, 'aggregate');
  assert.deepEqual(byName(report.driftSuite.features), { y: false, x: false });
  assert.deepEqual(byName(report.driftSuite.derived ?? []), { ratio: true, x_z: false });
  assert.equal(window.breached, true);
});

test('a champion whose card has no fitted transforms (packaged before cards kept them) is judged on its raw columns alone', async () => {
  const monitor = createMonitorActivities(deps);
  const { rows } = await stack.db.query<{ card: { transforms: Record<string, unknown> } }>(`SELECT card FROM model_versions WHERE name = 'ratio'`);
  const { fitted: _f, ...older } = rows[0].card.transforms;
  await stack.db.query(`UPDATE model_versions SET card = jsonb_set(card, '{transforms}', $1::jsonb) WHERE name = 'ratio'`, [JSON.stringify(older)]);
  const ref = await saveDefinition(stack.db, pipeline, {});
  await serve(independent(17));
  const window = await monitor.computeMonitorWindow({ monitorRunId: 'mon-older', pipeline: ref });
  assert.equal(window.evaluated, true);
  assert.equal(window.breached, false, 'the ratio is not measured without the fitted state');
  const report = await stack.artifacts.getJson<{ driftSuite: DriftSuiteResult }>(window.reportUri ?? '');
  assert.equal(report.driftSuite.derived, undefined);
  assert.deepEqual(byName(report.driftSuite.features), { y: false, x: false });
});
