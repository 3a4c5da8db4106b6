// ONNX export of every model kind with its preprocessing in one graph: onnxruntime parity with predictModel, contract, refusals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { recordsFromTable } from '../../lib/data/records.js';
import { takeRows, type Column, type Table } from '../../lib/data/table.js';
import { CLASSIFIER_OUTPUTS, REGRESSOR_OUTPUT } from '../../lib/onnx/contract.js';
import { exportModelToOnnx, modelInputs } from '../../lib/onnx/exportModel.js';
import { classifierInputs, feedTensors } from '../../lib/onnx/feeds.js';
import { checkParity, float32Table, PROBABILITY_TOLERANCE, RELATIVE_TOLERANCE, type ParityResult } from '../../lib/onnx/parity.js';
import { scoreOnnx, type OnnxOutputs } from '../../lib/onnx/runtime.js';
import { mulberry32, trainTestSplit } from '../../lib/train/cv.js';
import { featureNames } from '../../lib/train/preprocess.js';
import { fitModel, predictModel, taskOf, type ModelSpec, type TrainedModel } from '../../lib/train/model.js';

const require = createRequire(import.meta.url);
const COLORS = ['red', 'green', 'blue', 'yellow'];
const SIZES = ['S', 'M', 'L'];
const FEATURES = { numeric: ['x1', 'x2'], categorical: ['color', 'size', 'empty'] };

/** Synthetic rows: numerics with NaNs and many decimals, categoricals with null and "", a never-filled column, three targets. */
function synthetic(n: number, seed: number): Table {
  const rand = mulberry32(seed);
  const x1 = Float64Array.from({ length: n }, () => (rand() < 0.1 ? NaN : rand() * 6 - 3));
  const x2 = Float64Array.from({ length: n }, () => (rand() < 0.1 ? NaN : Math.PI * (rand() * 4 - 2)));
  const pick = (values: string[]): string | null => {
    const r = rand();
    return r < 0.06 ? null : r < 0.1 ? '' : values[Math.floor(rand() * values.length)];
  };
  const color = Array.from({ length: n }, () => pick(COLORS));
  const size = Array.from({ length: n }, () => pick(SIZES));
  const score = Float64Array.from({ length: n }, (_, i) =>
    1.5 * (x1[i] || 0.5) - 0.4 * (x2[i] || 0) ** 2 + (color[i] === 'red' ? 2 : color[i] === 'blue' ? -1.5 : 0) + (size[i] === 'L' ? 1 : 0) + rand() - 0.5);
  const columns: Column[] = [
    { name: 'x1', kind: 'numeric', values: x1 },
    { name: 'x2', kind: 'numeric', values: x2 },
    { name: 'color', kind: 'categorical', values: color },
    { name: 'size', kind: 'categorical', values: size },
    { name: 'empty', kind: 'categorical', values: Array.from({ length: n }, (_, i) => (i % 2 ? null : '')) },
    { name: 'y_reg', kind: 'numeric', values: score.map((s) => 100 + 10 * s) },
    { name: 'y_bin', kind: 'categorical', values: Array.from(score, (s) => (s > 0 ? 'yes' : 'no')) },
    { name: 'y_multi', kind: 'categorical', values: Array.from(score, (s) => (s < -1 ? 'low' : s < 1.5 ? 'mid' : 'high')) },
  ];
  return { rows: n, columns };
}

/** Scoring rows: fresh synthetic rows, with unseen categories, explicit "" and an all-missing row (the "empty" column filled). */
function scoringTable(): Table {
  const t = synthetic(400, 99);
  const get = (name: string): Column => t.columns.find((c) => c.name === name) as Column;
  const color = get('color').values as (string | null)[];
  const size = get('size').values as (string | null)[];
  const empty = get('empty').values as (string | null)[];
  const x1 = get('x1').values as Float64Array;
  const x2 = get('x2').values as Float64Array;
  for (let i = 0; i < 400; i += 7) color[i] = 'purple';
  for (let i = 3; i < 400; i += 11) size[i] = 'XXL';
  for (let i = 0; i < 400; i += 5) empty[i] = 'surprise';
  color[1] = '';
  size[1] = null;
  x1[2] = NaN;
  x2[2] = NaN;
  color[2] = null;
  size[2] = '';
  return t;
}

/** Exports, checks the graph's names and output shapes, scores through onnxruntime and compares with predictModel on float32 inputs. */
async function exportAndCompare(model: TrainedModel, table: Table, label: string): Promise<{ parity: ParityResult; outputs: OnnxOutputs }> {
  const bytes = exportModelToOnnx(model);
  const inputs = modelInputs(model);
  const task = taskOf(model);
  const feeds = feedTensors(inputs, recordsFromTable(table, inputs.map((i) => i.name)));
  const session = await ort.InferenceSession.create(bytes);
  try {
    assert.deepEqual([...session.inputNames], inputs.map((i) => i.name));
    const expectedOutputs = task === 'regression' ? [REGRESSOR_OUTPUT] : [CLASSIFIER_OUTPUTS.label, CLASSIFIER_OUTPUTS.probabilities];
    assert.deepEqual([...session.outputNames].sort(), [...expectedOutputs].sort());
    const raw = await session.run(Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, f.type === 'string' ? new ort.Tensor('string', f.data, f.dims) : new ort.Tensor('float32', f.data, f.dims)])));
    if (task === 'regression') assert.deepEqual(raw[REGRESSOR_OUTPUT].dims, [table.rows, 1]);
    else {
      assert.deepEqual(raw[CLASSIFIER_OUTPUTS.label].dims, [table.rows]);
      assert.equal(raw[CLASSIFIER_OUTPUTS.label].type, 'string');
      assert.deepEqual(raw[CLASSIFIER_OUTPUTS.probabilities].dims, [table.rows, model.classes.length]);
    }
  } finally {
    await session.release();
  }
  const outputs = await scoreOnnx(bytes, feeds, task);
  const numeric = inputs.filter((i) => i.kind === 'numeric').map((i) => i.name);
  const parity = checkParity(predictModel(model, float32Table(table, numeric)), outputs);
  console.log(`${label}: ${parity.measure} ${parity.value.toExponential(2)} (tolerance ${parity.tolerance}) over ${parity.rows} rows, ${parity.labelMismatches} label mismatches`);
  return { parity, outputs };
}

function fit(table: Table, spec: Partial<ModelSpec> & Pick<ModelSpec, 'task' | 'target' | 'algorithm'>): TrainedModel {
  return fitModel(table, { features: FEATURES, params: {}, seed: 3, ...spec });
}

const GBDT_PARAMS = { nEstimators: 60, minSamplesLeaf: 8, learningRate: 0.2 };

test('gbdt binary: probabilities within tolerance, labels are the argmax class, an all-missing categorical works', async () => {
  const model = fit(synthetic(800, 1), { task: 'classification', target: 'y_bin', algorithm: 'gbdt', params: GBDT_PARAMS });
  assert.equal(model.kind, 'gbdt');
  const { parity } = await exportAndCompare(model, scoringTable(), 'gbdt binary');
  assert.equal(parity.tolerance, PROBABILITY_TOLERANCE);
  assert.ok(parity.ok, `max abs probability difference ${parity.value}`);
  assert.equal(parity.labelMismatches, 0);
});

test('gbdt multiclass (3 classes): probabilities within tolerance, labels agree', async () => {
  const model = fit(synthetic(900, 2), { task: 'classification', target: 'y_multi', algorithm: 'gbdt', params: GBDT_PARAMS });
  assert.deepEqual(model.classes, ['high', 'low', 'mid']);
  const { parity, outputs } = await exportAndCompare(model, scoringTable(), 'gbdt multiclass');
  assert.ok(parity.ok, `max abs probability difference ${parity.value}`);
  assert.equal(parity.labelMismatches, 0);
  const classes = new Set<string>(model.classes);
  assert.ok(outputs.task === 'classification' && outputs.labels.every((l) => classes.has(l)));
});

test('gbdt regression: prediction [N, 1] within the relative tolerance', async () => {
  const model = fit(synthetic(900, 3), { task: 'regression', target: 'y_reg', algorithm: 'gbdt', params: GBDT_PARAMS });
  const { parity } = await exportAndCompare(model, scoringTable(), 'gbdt regression');
  assert.equal(parity.tolerance, RELATIVE_TOLERANCE);
  assert.ok(parity.ok, `max relative difference ${parity.value}`);
});

test('ridge with categoricals: double graph matches predictModel (imputed, standardized, one-hot with unseen values)', async () => {
  const model = fit(synthetic(700, 4), { task: 'regression', target: 'y_reg', algorithm: 'ridge', params: { alpha: 0.5 } });
  const { parity } = await exportAndCompare(model, scoringTable(), 'ridge');
  assert.ok(parity.ok, `max relative difference ${parity.value}`);
  assert.ok(parity.value < 1e-7, `the double graph should only round the final float32: ${parity.value}`);
});

test('logistic regression goes through the same dispatch and inputs', async () => {
  const train = synthetic(600, 5);
  const model = fitModel(train, { task: 'classification', target: 'y_multi', algorithm: 'logreg', params: { l2: 1e-2 }, features: { numeric: ['x1', 'x2'], categorical: ['color', 'size'] } });
  assert.equal(model.kind, 'logreg');
  if (model.kind === 'logreg') assert.deepEqual(modelInputs(model), classifierInputs(model));
  const { parity } = await exportAndCompare(model, scoringTable(), 'logreg');
  assert.equal(parity.labelMismatches, 0);
  assert.ok(parity.value <= 1e-4, `max abs probability difference ${parity.value}`);
});

test('penguins: gbdt multiclass species from island, sex and measurements (nulls, an unseen island) within tolerance', async () => {
  const file = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'penguins.json');
  const rows = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string | number | null>[];
  const numeric = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
  const categorical = ['Island', 'Sex'];
  const columns: Column[] = [
    ...numeric.map((name): Column => ({ name, kind: 'numeric', values: Float64Array.from(rows, (r) => (r[name] === null ? NaN : Number(r[name]))) })),
    ...[...categorical, 'Species'].map((name): Column => ({ name, kind: 'categorical', values: rows.map((r) => (r[name] === null ? null : String(r[name]))) })),
  ];
  const table: Table = { rows: rows.length, columns };
  const species = rows.map((r) => String(r.Species));
  const classes = [...new Set(species)].sort();
  const split = trainTestSplit(Int32Array.from(species, (s) => classes.indexOf(s)), 0.3, 11);
  const model = fitModel(takeRows(table, split.train), {
    task: 'classification', target: 'Species', algorithm: 'gbdt', features: { numeric, categorical }, params: { nEstimators: 40, minSamplesLeaf: 5 }, seed: 1,
  });
  assert.deepEqual(model.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
  const scoring = takeRows(table, split.test);
  const island = scoring.columns.find((c) => c.name === 'Island')?.values as (string | null)[];
  for (let i = 0; i < scoring.rows; i += 9) island[i] = 'Atlantis';
  const { parity } = await exportAndCompare(model, scoring, 'penguins gbdt multiclass');
  assert.ok(parity.ok, `max abs probability difference ${parity.value}`);
  assert.equal(parity.labelMismatches, 0);
});

test('feature names that clash with outputs or internal names, or are empty, are refused clearly', () => {
  const t = synthetic(300, 6);
  const renamed = (from: string, to: string): Table => ({ rows: t.rows, columns: t.columns.map((c) => (c.name === from ? { ...c, name: to } : c)) as Column[] });
  const gbdtSpec = { task: 'classification' as const, target: 'y_bin', algorithm: 'gbdt' as const, params: { nEstimators: 3 } };
  const clashing = fitModel(renamed('color', 'label'), { ...gbdtSpec, features: { numeric: ['x1'], categorical: ['label'] } });
  assert.throws(() => exportModelToOnnx(clashing), /exportGbdtModelToOnnx: feature name "label" clashes with the output "label"/);
  const internal = fitModel(renamed('x1', '__mlcycle_features'), { ...gbdtSpec, features: { numeric: ['__mlcycle_features'], categorical: [] } });
  assert.throws(() => exportModelToOnnx(internal), /starts with "__mlcycle_", which is reserved/);
  const blank = fitModel(renamed('x2', ''), { ...gbdtSpec, features: { numeric: [''], categorical: ['size'] } });
  assert.throws(() => exportModelToOnnx(blank), /a feature has an empty name/);
  const ridge = fitModel(renamed('x1', 'prediction'), { task: 'regression', target: 'y_reg', algorithm: 'ridge', params: { alpha: 1 }, features: { numeric: ['prediction'], categorical: ['color'] } });
  assert.throws(() => exportModelToOnnx(ridge), /exportRidgeToOnnx: feature name "prediction" clashes with the output "prediction"/);
});

test('linear models learn a weight for unknown categories, and the graph computes the unknown column the same way', async () => {
  const train = synthetic(600, 7);
  const ridge = fit(train, { task: 'regression', target: 'y_reg', algorithm: 'ridge', params: { alpha: 1 } });
  const logreg = fit(train, { task: 'classification', target: 'y_multi', algorithm: 'logreg', params: { l2: 0.01 } });
  for (const model of [ridge, logreg]) {
    if (model.kind === 'gbdt') return assert.fail('a linear model was expected');
    assert.ok(model.preprocessor.unknownBucket, `${model.kind} has unknown columns`);
    const names = featureNames(model.preprocessor);
    const unknown = names.indexOf('color=<unknown>');
    assert.ok(unknown > 0 && names.includes('empty=<unknown>'));
    const k = model.kind === 'ridge' ? 1 : model.classes.length;
    const weights = Array.from({ length: k }, (_, c) => model.weights[c * names.length + unknown]);
    assert.ok(weights.some((w) => Math.abs(w) > 1e-3), `${model.kind}: the unknown column carries a weight`);
    const { parity } = await exportAndCompare(model, scoringTable(), `${model.kind} with unknown columns`);
    assert.ok(parity.ok, `${model.kind}: ${parity.measure} ${parity.value}`);
  }
});

test('checkParity: NaN, shape mismatches and values near zero', () => {
  const values = Float64Array.of(0, 1e-9, 2, -2);
  const near = checkParity({ task: 'regression', values }, { task: 'regression', values: Float32Array.of(1e-7, 0, 2, -2) });
  assert.ok(near.ok && near.value < 1e-6, `near-zero values are judged against the rms: ${near.value}`);
  assert.equal(checkParity({ task: 'regression', values }, { task: 'regression', values: Float32Array.of(NaN, 0, 2, -2) }).ok, false);
  assert.equal(checkParity({ task: 'regression', values }, { task: 'regression', values: Float32Array.of(0, 0, 2) }).ok, false);
  const zeros = checkParity({ task: 'regression', values: new Float64Array(2) }, { task: 'regression', values: Float32Array.of(0, 5e-7) });
  assert.ok(zeros.ok && zeros.value === Math.fround(5e-7), `all-zero expectations use 1 as the scale: ${zeros.value}`);
  const proba = Float64Array.of(0.2, 0.8, 0.6, 0.4);
  const expected = { task: 'classification' as const, classes: ['a', 'b'], proba };
  const good = checkParity(expected, { task: 'classification', labels: ['b', 'a'], probabilities: Float32Array.from(proba), classes: 2 });
  assert.ok(good.ok && good.labelMismatches === 0 && good.rows === 2);
  const wrongLabel = checkParity(expected, { task: 'classification', labels: ['a', 'a'], probabilities: Float32Array.from(proba), classes: 2 });
  assert.equal(wrongLabel.labelMismatches, 1);
  assert.equal(checkParity(expected, { task: 'classification', labels: ['b', 'a'], probabilities: Float32Array.of(0.2, 0.8, 0.6, 0.4, 0, 0), classes: 3 }).ok, false);
  assert.equal(checkParity(expected, { task: 'classification', labels: ['b', 'a'], probabilities: Float32Array.of(0.2, 0.8, NaN, 0.4), classes: 2 }).ok, false);
  assert.throws(() => checkParity(expected, { task: 'regression', values: Float32Array.of(1, 2) }), /predicts classification but the ONNX outputs are regression/);
});

test('float32Table rounds only the listed numeric columns (numeric strings included), keeping NaN and null', () => {
  const t: Table = {
    rows: 3,
    columns: [
      { name: 'a', kind: 'numeric', values: Float64Array.of(0.1, NaN, 3) },
      { name: 'b', kind: 'numeric', values: Float64Array.of(0.1, 0.2, 0.3) },
      { name: 's', kind: 'categorical', values: ['0.1', null, 'abc'] },
    ],
  };
  const r = float32Table(t, ['a', 's']);
  assert.deepEqual(Array.from(r.columns[0].values as Float64Array), [Math.fround(0.1), NaN, 3]);
  assert.equal(r.columns[1], t.columns[1]);
  assert.deepEqual(r.columns[2].values, [String(Math.fround(0.1)), null, 'abc']);
  assert.equal((t.columns[0].values as Float64Array)[0], 0.1, 'the input table is not modified');
  assert.throws(() => float32Table(t, ['missing']), /column "missing" not found/);
});
