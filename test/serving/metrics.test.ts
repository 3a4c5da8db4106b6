// GET /metrics: Prometheus text with answers and errors by variant, latency and batch histograms, buffers, last drift.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deployVersion } from '../../lib/store/models.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { registerFixture, startTestStack, TINY_A, type TestStack } from './harness.js';
import { saveDriftValues } from '../../lib/store/windowAggregates.js';

let stack: TestStack;
let serving: ServingApp;

before(async () => {
  stack = await startTestStack();
  const v1 = await registerFixture(stack, 'tiny', TINY_A, 'run-1');
  await deployVersion(stack.db, 'tiny', v1.version, 0, 'first');
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false });
});
after(async () => {
  await serving?.close();
  await stack?.stop();
});

/** The value of one sample line, e.g. metric('mlcycle_predictions_total{model="tiny",…}'). */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : null;
}

test('predictions, latency, batch sizes and the last monitor window reach /metrics', async () => {
  const instances = [{ x1: 1, color: 'red' }, { x1: -1, color: 'blue' }, { x1: 0.5, color: null }];
  const res = await serving.app.inject({ method: 'POST', url: '/v1/models/tiny/predict', payload: { instances } });
  assert.equal(res.statusCode, 200);
  await stack.db.query(
    `INSERT INTO monitor_reports (monitor_run_id, model_name, model_version, from_prediction_id, to_prediction_id, rows, breached, report, uri)
     VALUES ('m-1', 'tiny', 1, 0, 3, 3, true, $1, 'artifact://x')`,
    [JSON.stringify({ driftSuite: { datasetDrift: { share: 0.5 } } })],
  );
  await saveDriftValues(stack.db, 'm-1', 'tiny', 3, [
    { feature: 'x1', method: 'wasserstein', value: 0.42, threshold: 0.1, drifted: true, pValue: null, tests: { psi: 0.31, ks: { statistic: 0.4, pValue: 0.002 } } },
    { feature: 'color', method: 'jensenshannon', value: 0.03, threshold: 0.1, drifted: false, pValue: null, tests: { psi: 0.05, ks: null } },
  ]);
  const scraped = await serving.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(scraped.statusCode, 200);
  assert.match(scraped.headers['content-type'] as string, /^text\/plain/);
  const text = scraped.body;
  assert.equal(sample(text, 'mlcycle_predictions_total{model="tiny",variant="champion",version="1"}'), 3);
  assert.equal(sample(text, 'mlcycle_predict_latency_seconds_count{model="tiny"}'), 1);
  assert.equal(sample(text, 'mlcycle_predict_batch_instances_bucket{le="5",model="tiny"}'), 1);
  assert.equal(sample(text, 'mlcycle_predict_batch_instances_bucket{le="2",model="tiny"}'), 0);
  assert.ok((sample(text, 'mlcycle_prediction_log_pending') ?? -1) >= 0);
  assert.equal(sample(text, 'mlcycle_monitor_breached{model="tiny",version="1"}'), 1);
  assert.equal(sample(text, 'mlcycle_dataset_drift_share{model="tiny",version="1"}'), 0.5);
  assert.equal(sample(text, 'mlcycle_drift_value{model="tiny",feature="x1",method="wasserstein"}'), 0.42);
  assert.equal(sample(text, 'mlcycle_drift_threshold{model="tiny",feature="color",method="jensenshannon"}'), 0.1);
  assert.equal(sample(text, 'mlcycle_drift_drifted{model="tiny",feature="x1"}'), 1);
  assert.equal(sample(text, 'mlcycle_drift_drifted{model="tiny",feature="color"}'), 0);
  assert.equal(sample(text, 'mlcycle_drift_psi{model="tiny",feature="x1"}'), 0.31);
  assert.equal(sample(text, 'mlcycle_drift_ks_pvalue{model="tiny",feature="x1"}'), 0.002);
  assert.equal(sample(text, 'mlcycle_drift_ks_pvalue{model="tiny",feature="color"}'), null, 'no KS for a categorical feature');
});
