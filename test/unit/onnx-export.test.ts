// Round trip: train on seattle-weather, export to ONNX, score with onnxruntime-node, compare with predictProba.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { takeRows, type Column, type RawRecord, type Table } from '../../lib/data/table.js';
import { fitClassifierDetailed, predictLabels, predictProba, targetValues } from '../../lib/train/classifier.js';
import { trainTestSplit } from '../../lib/train/cv.js';
import { accuracy, logLoss, macroF1 } from '../../lib/train/metrics.js';
import { exportClassifierToOnnx, ONNX_OUTPUTS } from '../../lib/onnx/exportClassifier.js';
import { classifierInputs, feedTensors, type FeedTensor } from '../../lib/onnx/feeds.js';

const require = createRequire(import.meta.url);

/** seattle-weather.csv (no quoted fields) as a Table, plus a derived categorical `month` ("01".."12"). */
function loadSeattle(): Table {
  // The package's "exports" hide data/, so locate it from the package entry point (build/index.js).
  const csv = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'seattle-weather.csv');
  const text = readFileSync(csv, 'utf8');
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  const columns: Column[] = header.map((name, j) =>
    name === 'date' || name === 'weather'
      ? { name, kind: 'categorical', values: rows.map((r) => r[j]) }
      : { name, kind: 'numeric', values: Float64Array.from(rows, (r) => (r[j] === '' ? NaN : Number(r[j]))) },
  );
  const date = header.indexOf('date');
  columns.push({ name: 'month', kind: 'categorical', values: rows.map((r) => r[date].slice(5, 7)) });
  return { rows: rows.length, columns };
}

function toRecords(table: Table): RawRecord[] {
  return Array.from({ length: table.rows }, (_, i) => {
    const rec: RawRecord = {};
    for (const c of table.columns) {
      const v = c.values[i];
      rec[c.name] = typeof v === 'number' && Number.isNaN(v) ? null : v;
    }
    return rec;
  });
}

function toOrtFeeds(feeds: Record<string, FeedTensor>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) {
    out[name] = f.type === 'string' ? new ort.Tensor('string', f.data, f.dims) : new ort.Tensor('float32', f.data, f.dims);
  }
  return out;
}

test('exported ONNX classifier matches predictProba, including missing and unseen values', async () => {
  const table = loadSeattle();
  const features = { numeric: ['precipitation', 'temp_max', 'temp_min', 'wind'], categorical: ['month'] };
  const labels = targetValues(table, 'weather');
  const classes = [...new Set(labels as string[])].sort();
  const y = Int32Array.from(labels, (l) => classes.indexOf(l as string));
  const split = trainTestSplit(y, 0.25, 7);
  const train = takeRows(table, split.train);
  const fit = fitClassifierDetailed(train, { target: 'weather', features, l2: 1e-3 });
  const model = fit.model;
  assert.ok(fit.converged, `L-BFGS did not converge in ${fit.iterations} iterations`);
  assert.deepEqual(model.classes, classes);
  // The model must survive a JSON round trip unchanged.
  assert.deepEqual(JSON.parse(JSON.stringify(model)), model);

  const testTable = takeRows(table, split.test);
  const yTest = Int32Array.from(split.test, (i) => y[i]);
  const proba = predictProba(model, testTable);
  const k = classes.length;
  const predIdx = Int32Array.from(predictLabels(model, testTable), (l) => classes.indexOf(l));
  const acc = accuracy(yTest, proba, k);
  const ll = logLoss(yTest, proba, k);
  const f1 = macroF1(yTest, predIdx, k);
  console.log(`seattle-weather: ${fit.rows} train rows, ${fit.iterations} iterations; test accuracy ${acc.toFixed(4)}, log loss ${ll.toFixed(4)}, macro F1 ${f1.toFixed(4)}`);
  assert.ok(acc > 0.7, `accuracy ${acc}`);

  // Damage a few rows: missing numerics, an unseen month, a missing month.
  const precip = testTable.columns.find((c) => c.name === 'precipitation')!.values as Float64Array;
  const tmax = testTable.columns.find((c) => c.name === 'temp_max')!.values as Float64Array;
  const month = testTable.columns.find((c) => c.name === 'month')!.values as (string | null)[];
  precip[0] = NaN;
  tmax[1] = NaN;
  precip[2] = NaN;
  tmax[2] = NaN;
  month[3] = '13';
  month[4] = null;
  month[5] = 'unknown';
  precip[5] = NaN;

  const expected = predictProba(model, testTable);
  const expectedLabels = predictLabels(model, testTable);
  const bytes = exportClassifierToOnnx(model);
  const session = await ort.InferenceSession.create(bytes);
  assert.deepEqual([...session.inputNames].sort(), [...features.numeric, ...features.categorical].sort());
  const feeds = toOrtFeeds(feedTensors(classifierInputs(model), toRecords(testTable)));
  const result = await session.run(feeds, [ONNX_OUTPUTS.label, ONNX_OUTPUTS.probabilities]);
  const got = result[ONNX_OUTPUTS.probabilities];
  const gotLabels = result[ONNX_OUTPUTS.label];
  assert.deepEqual(got.dims, [testTable.rows, k]);
  assert.deepEqual(gotLabels.dims, [testTable.rows]);
  const gotData = got.data as Float32Array;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(gotData[i] - expected[i]));
  console.log(`ONNX vs predictProba: max abs probability difference ${maxDiff.toExponential(2)} over ${testTable.rows} rows`);
  assert.ok(maxDiff <= 1e-4, `max abs difference ${maxDiff}`);
  assert.deepEqual(Array.from(gotLabels.data as string[]), expectedLabels);
  // The damaged rows really differ from the undamaged model output where they should.
  assert.ok(Math.abs(expected[3 * k] - proba[3 * k]) > 0 || Math.abs(expected[3 * k + 1] - proba[3 * k + 1]) > 0);
  await session.release();
});

test('a single-row batch and a batch of all-missing values score like predictProba', async () => {
  const table = loadSeattle();
  const features = { numeric: ['precipitation', 'wind'], categorical: ['month'] };
  const model = fitClassifierDetailed(table, { target: 'weather', features, l2: 1e-2 }).model;
  const session = await ort.InferenceSession.create(exportClassifierToOnnx(model));
  const records: RawRecord[] = [{ precipitation: null, wind: null, month: null }];
  const blank: Table = {
    rows: 1,
    columns: [
      { name: 'precipitation', kind: 'numeric', values: Float64Array.of(NaN) },
      { name: 'wind', kind: 'numeric', values: Float64Array.of(NaN) },
      { name: 'month', kind: 'categorical', values: [null] },
    ],
  };
  const expected = predictProba(model, blank);
  const result = await session.run(toOrtFeeds(feedTensors(classifierInputs(model), records)), [ONNX_OUTPUTS.label, ONNX_OUTPUTS.probabilities]);
  const got = result[ONNX_OUTPUTS.probabilities].data as Float32Array;
  for (let c = 0; c < model.classes.length; c++) assert.ok(Math.abs(got[c] - expected[c]) <= 1e-5);
  // With every feature missing, the logits are the intercepts: softmax(bias).
  const max = Math.max(...model.bias);
  const z = model.bias.map((b) => Math.exp(b - max));
  const s = z.reduce((a, b) => a + b, 0);
  z.forEach((v, c) => assert.ok(Math.abs(v / s - expected[c]) < 1e-12));
  await session.release();
});

test('binary target, categorical-only features and a column with no training categories', async () => {
  const t: Table = {
    rows: 6,
    columns: [
      { name: 'c', kind: 'categorical', values: ['a', 'b', 'a', 'c', 'b', 'a'] },
      { name: 'e', kind: 'categorical', values: [null, null, null, null, null, null] },
      { name: 'y', kind: 'categorical', values: ['yes', 'no', 'yes', 'no', 'no', 'yes'] },
    ],
  };
  const model = fitClassifierDetailed(t, { target: 'y', features: { numeric: [], categorical: ['c', 'e'] }, l2: 0.1 }).model;
  assert.deepEqual(model.classes, ['no', 'yes']);
  assert.deepEqual(model.preprocessor.categorical[1].categories, []);
  // Column `e` adds no features but stays a declared (and required) graph input.
  const session = await ort.InferenceSession.create(exportClassifierToOnnx(model));
  assert.deepEqual([...session.inputNames], ['c', 'e']);
  const scoring: Table = {
    rows: 2,
    columns: [
      { name: 'c', kind: 'categorical', values: ['a', 'zz'] },
      { name: 'e', kind: 'categorical', values: ['x', null] },
    ],
  };
  const result = await session.run(toOrtFeeds(feedTensors(classifierInputs(model), toRecords(scoring))), [ONNX_OUTPUTS.label, ONNX_OUTPUTS.probabilities]);
  const expected = predictProba(model, scoring);
  const got = result[ONNX_OUTPUTS.probabilities].data as Float32Array;
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(got[i] - expected[i]) <= 1e-6);
  assert.deepEqual(Array.from(result[ONNX_OUTPUTS.label].data as string[]), predictLabels(model, scoring));
  await session.release();
});

test('feature names that clash with the graph outputs are refused', () => {
  const t: Table = {
    rows: 4,
    columns: [
      { name: 'label', kind: 'numeric', values: Float64Array.of(1, 2, 3, 4) },
      { name: 'y', kind: 'categorical', values: ['p', 'q', 'p', 'q'] },
    ],
  };
  const model = fitClassifierDetailed(t, { target: 'y', features: { numeric: ['label'], categorical: [] }, l2: 0.1 }).model;
  assert.throws(() => exportClassifierToOnnx(model), /clashes/);
});
