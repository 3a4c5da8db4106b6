// ONNX export of GBDT models: onnxruntime-node parity (with NaNs and values on thresholds), labels, graph pieces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { mulberry32, trainTestSplit } from '../../lib/train/cv.js';
import { predictGbdtProba, predictGbdtValue, trainGbdt, type GbdtModel } from '../../lib/train/gbdt/index.js';
import { exportGbdtToOnnx, gbdtGraphPieces } from '../../lib/onnx/exportTrees.js';
import { encodeModel, TensorDataType } from '../../lib/onnx/model.js';

const require = createRequire(import.meta.url);

/** seattle-weather: column-major precipitation, temp_max, temp_min, wind for all rows, and the labels. */
function seattle(): { x: Float64Array; n: number; labels: string[] } {
  const csv = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'seattle-weather.csv');
  const rows = readFileSync(csv, 'utf8').trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
  const n = rows.length;
  const x = new Float64Array(n * 4);
  rows.forEach((r, i) => {
    for (let f = 0; f < 4; f++) x[f * n + i] = Number(r[f + 1]);
  });
  return { x, n, labels: rows.map((r) => r[5]) };
}

function take(x: Float64Array, n: number, features: number, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length * features);
  for (let f = 0; f < features; f++) idx.forEach((i, k) => { out[f * idx.length + k] = x[f * n + i]; });
  return out;
}

/** Sets a fraction of the entries to NaN (seeded). */
function injectNaN(x: Float64Array, fraction: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  return x.map((v) => (rand() < fraction ? NaN : v));
}

function rowMajorFloat32(x: Float64Array, rows: number, features: number): Float32Array {
  const out = new Float32Array(rows * features);
  for (let i = 0; i < rows; i++) for (let f = 0; f < features; f++) out[i * features + f] = x[f * rows + i];
  return out;
}

async function run(bytes: Uint8Array, x: Float64Array, rows: number, features: number, fetches: string[]): Promise<ort.InferenceSession.OnnxValueMapType> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run({ features: new ort.Tensor('float32', rowMajorFloat32(x, rows, features), [rows, features]) }, fetches);
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('regression: onnxruntime matches predictGbdtValue to 1e-6 relative on held-out rows with NaNs', async () => {
  const rand = mulberry32(1);
  const n = 4000;
  const x = injectNaN(Float64Array.from({ length: n * 3 }, () => rand() * 20 - 10), 0.1, 2);
  const y = Float64Array.from({ length: n }, (_, i) => 1000 + 30 * Math.sin(x[i] || 0) + (x[n + i] || 5) ** 2 + rand());
  const model = trainGbdt(take(x, n, 3, Int32Array.from({ length: 3000 }, (_, i) => i)), 3000, 3, y.subarray(0, 3000), { objective: 'regression', nEstimators: 150 });
  const test = take(x, n, 3, Int32Array.from({ length: 1000 }, (_, i) => 3000 + i));
  const out = await run(exportGbdtToOnnx(model, ['a', 'b', 'c']), test, 1000, 3, ['value']);
  assert.deepEqual(out.value.dims, [1000, 1]);
  const onnx = out.value.data as Float32Array;
  const ours = predictGbdtValue(model, test, 1000);
  let rel = 0;
  for (let i = 0; i < 1000; i++) rel = Math.max(rel, Math.abs(onnx[i] - ours[i]) / Math.abs(ours[i]));
  assert.ok(rel <= 1e-6, `max relative difference ${rel}`);
});

test('regression scores that cross zero over 300 trees stay within 1e-6 (the ensemble sums in double)', async () => {
  // Summing in float32 (no Cast to double) gave 3e-5 here.
  const rand = mulberry32(5);
  const n = 4000;
  const x = Float64Array.from({ length: n * 2 }, () => rand() * 20 - 10);
  const y = Float64Array.from({ length: n }, (_, i) => 30 * Math.sin(x[i]) + x[n + i] ** 2 - 33 + rand());
  const model = trainGbdt(x, n, 2, y, { objective: 'regression', nEstimators: 300, learningRate: 0.2, maxLeaves: 63, minSamplesLeaf: 5 });
  const out = await run(exportGbdtToOnnx(model, ['a', 'b']), x, n, 2, ['value']);
  const onnx = out.value.data as Float32Array;
  const ours = predictGbdtValue(model, x, n);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(onnx[i] - ours[i]) / Math.max(1, Math.abs(ours[i])));
  assert.ok(worst <= 1e-6, `max difference relative to max(1, |value|): ${worst}`);
});

test('binary and multiclass on seattle-weather (NaNs injected): probabilities within 1e-5, labels agree', async () => {
  const { x: raw, n, labels } = seattle();
  const x = injectNaN(raw, 0.08, 3);
  const classes = [...new Set(labels)].sort();
  const y = Int32Array.from(labels, (l) => classes.indexOf(l));
  const split = trainTestSplit(y, 0.25, 7);
  const xTrain = take(x, n, 4, split.train);
  const xTest = take(x, n, 4, split.test);
  const m = split.test.length;
  const names = ['precipitation', 'temp_max', 'temp_min', 'wind'];

  const multi = trainGbdt(xTrain, split.train.length, 4, Int32Array.from(split.train, (i) => y[i]), { objective: 'multiclass', nEstimators: 60 });
  const outM = await run(exportGbdtToOnnx(multi, names, { classLabels: classes }), xTest, m, 4, ['label', 'probabilities']);
  const probaM = predictGbdtProba(multi, xTest, m);
  const diffM = maxAbsDiff(outM.probabilities.data as Float32Array, probaM);
  assert.ok(diffM <= 1e-5, `multiclass max abs difference ${diffM}`);
  const labelsM = outM.label.data as string[];
  for (let i = 0; i < m; i++) {
    const row = Array.from(probaM.subarray(5 * i, 5 * i + 5));
    assert.equal(labelsM[i], classes[row.indexOf(Math.max(...row))]);
  }

  const sun = classes.indexOf('sun');
  const yb = Int32Array.from(split.train, (i) => (y[i] === sun ? 1 : 0));
  const binary = trainGbdt(xTrain, split.train.length, 4, yb, { objective: 'binary', nEstimators: 80, subsample: 0.8, colsampleBytree: 0.75 });
  const outB = await run(exportGbdtToOnnx(binary, names), xTest, m, 4, ['label', 'probabilities']);
  assert.deepEqual(outB.probabilities.dims, [m, 2]);
  const probaB = predictGbdtProba(binary, xTest, m);
  const diffB = maxAbsDiff(outB.probabilities.data as Float32Array, probaB);
  assert.ok(diffB <= 1e-5, `binary max abs difference ${diffB}`);
  const labelB = outB.label.data as BigInt64Array; // int64 outputs arrive as BigInt64Array
  for (let i = 0; i < m; i++) assert.equal(labelB[i], probaB[2 * i + 1] > 0.5 ? 1n : 0n);
});

test('values exactly on a threshold and their float32 neighbours go the same way in ONNX', async () => {
  const rand = mulberry32(8);
  const n = 3000;
  const x = Float64Array.from({ length: n }, () => Math.round(rand() * 400) / 7);
  const y = Float64Array.from(x, (v) => Math.floor(v / 3) % 2);
  const model = trainGbdt(x, n, 1, y, { objective: 'regression', nEstimators: 30, learningRate: 0.5, minSamplesLeaf: 1 });
  const thresholds = new Set<number>();
  for (const t of model.trees) for (const node of t.nodes) if (node.kind === 'split') thresholds.add(node.threshold);
  const probe: number[] = [NaN];
  const bits = new Float32Array(1);
  const word = new Int32Array(bits.buffer);
  for (const t of thresholds) {
    bits[0] = t;
    probe.push(t);
    word[0] += 1;
    probe.push(bits[0]);
    word[0] -= 2;
    probe.push(bits[0]);
    probe.push(t + 1e-12); // a double that rounds to t as float32
  }
  const px = Float64Array.from(probe);
  const out = await run(exportGbdtToOnnx(model, ['v']), px, px.length, 1, ['value']);
  const ours = predictGbdtValue(model, px, px.length);
  const onnx = out.value.data as Float32Array;
  for (let i = 0; i < px.length; i++) assert.ok(Math.abs(onnx[i] - ours[i]) <= 1e-6 * Math.max(1, Math.abs(ours[i])), `x=${px[i]}: ${onnx[i]} vs ${ours[i]}`);
});

test('a binary model whose leaf values are all positive gets the right labels too', async () => {
  // Raw scores 0.25 and 2: both positive classes. onnxruntime compares the raw score with 0.5 when
  // every weight is ≥ 0, which the export defeats with a tiny negative one-leaf tree.
  const model: GbdtModel = {
    kind: 'gbdt', objective: 'binary', numClass: 2, numFeatures: 1, baseScores: [0], bestIteration: 1, iterations: 1,
    trees: [{ classIndex: 0, nodes: [
      { kind: 'split', feature: 0, threshold: 0.5, defaultLeft: true, left: 1, right: 2, gain: 1, count: 10 },
      { kind: 'leaf', value: 0.25, count: 5 },
      { kind: 'leaf', value: 2, count: 5 },
    ] }],
    params: trainGbdt(Float64Array.of(0, 1), 2, 1, Int32Array.of(0, 1), { objective: 'binary', nEstimators: 1, minSamplesLeaf: 1 }).params,
  };
  const x = Float64Array.of(0, 1, NaN);
  const out = await run(exportGbdtToOnnx(model, ['v']), x, 3, 1, ['label', 'probabilities']);
  const diff = maxAbsDiff(out.probabilities.data as Float32Array, predictGbdtProba(model, x, 3));
  assert.ok(diff <= 1e-6, `difference ${diff}`);
  assert.deepEqual(Array.from(out.label.data as BigInt64Array), [1n, 1n, 1n]);
});

test('graph pieces splice behind a preprocessing node', async () => {
  const rand = mulberry32(4);
  const n = 1000;
  const x = Float64Array.from({ length: 2 * n }, () => rand());
  const y = Int32Array.from({ length: n }, (_, i) => (x[i] + x[n + i] > 1 ? 1 : 0));
  const model = trainGbdt(x, n, 2, y, { objective: 'binary', nEstimators: 20 });
  const pieces = gbdtGraphPieces(model, { input: 'scaled', prefix: 'trees_', outputs: { probabilities: 'p', label: 'y' } });
  assert.deepEqual(pieces.input, { name: 'scaled', elemType: TensorDataType.FLOAT, dims: ['N', 2] });
  // Upstream preprocessing: scaled = features × 2; the model then sees x · 2, so feed x / 2.
  const bytes = encodeModel({
    opsets: pieces.opsets,
    graph: {
      name: 'pre_and_trees',
      nodes: [{ opType: 'Mul', inputs: ['features', 'two'], outputs: ['scaled'] }, ...pieces.nodes],
      inputs: [{ name: 'features', elemType: TensorDataType.FLOAT, dims: ['N', 2] }],
      outputs: pieces.outputs,
      initializers: [...pieces.initializers, { name: 'two', dataType: TensorDataType.FLOAT, dims: [], floats: [2] }],
    },
  });
  const half = x.map((v) => v / 2);
  const out = await run(bytes, half, n, 2, ['p', 'y']);
  const diff = maxAbsDiff(out.p.data as Float32Array, predictGbdtProba(model, x, n));
  assert.ok(diff <= 1e-5, `difference ${diff}`);
  assert.throws(() => exportGbdtToOnnx(model, ['only one']), /1 feature names for a model of 2 features/);
});
