// Externally trained ONNX models (scikit-learn via skl2onnx) rewritten to the serving contract: outputs, values, untouched bytes, and every refusal.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { loadPipeline } from '../../lib/config/pipeline.js';
import { ML_SECTIONS, requireSections, type MlPipeline as PipelineDefinition } from '../../lib/steps/sections.js';
import { recordsFromTable } from '../../lib/data/records.js';
import { readSource } from '../../lib/data/sources/index.js';
import type { Table } from '../../lib/data/table.js';
import { adaptExternalModel, ImportError, type ImportPipeline } from '../../lib/onnx/adaptExternal.js';
import { feedTensors } from '../../lib/onnx/feeds.js';
import { attr, encodeGraph, encodeModel, TensorDataType, type GraphSpec } from '../../lib/onnx/model.js';
import { ProtoWriter } from '../../lib/onnx/protobuf.js';
import { decodeModel, type OnnxGraph } from '../../lib/onnx/onnxDecode.js';
import { smokeProblems } from '../../lib/onnx/smokeCheck.js';

const dir = (name: string): string => fileURLToPath(new URL(`../fixtures/import/${name}`, import.meta.url));
const model = (name: string): Uint8Array => readFileSync(dir(name));
const pipelines = {
  weather: requireSections(await loadPipeline(dir('weather-season.json')), ML_SECTIONS, 'weather-season.json'),
  wet: requireSections(await loadPipeline(dir('wet.json')), ML_SECTIONS, 'wet.json'),
  tempMax: requireSections(await loadPipeline(dir('temp-max.json')), ML_SECTIONS, 'temp-max.json'),
};
const data: Table = await readSource({ kind: 'file', path: dir('seattle-season.csv') });
const rows = data.rows;

type Feeds = Record<string, ort.Tensor>;

async function run(bytes: Uint8Array, feeds: Feeds, outputs?: string[]): Promise<{ names: { inputs: readonly string[]; outputs: readonly string[] }; out: ort.InferenceSession.OnnxValueMapType }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return { names: { inputs: session.inputNames, outputs: session.outputNames }, out: await session.run(feeds, outputs ?? session.outputNames) };
  } finally {
    await session.release();
  }
}

function columnFeeds(names: { name: string; kind: 'numeric' | 'categorical' }[]): Feeds {
  const feeds: Feeds = {};
  for (const [name, f] of Object.entries(feedTensors(names, recordsFromTable(data, names.map((n) => n.name))))) {
    feeds[name] = f.type === 'string' ? new ort.Tensor('string', f.data, f.dims) : new ort.Tensor('float32', f.data, f.dims);
  }
  return feeds;
}

function assertLabelIsArgmax(labels: string[], probabilities: Float32Array, classes: string[]): void {
  const k = classes.length;
  labels.forEach((label, i) => {
    const row = Array.from(probabilities.subarray(i * k, i * k + k));
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `row ${i} sums to 1`);
    assert.equal(label, classes[row.indexOf(Math.max(...row))], `row ${i}: label is the most probable class`);
  });
}

/** The raw bytes of every node, initializer and value_info of a graph. */
function rawParts(g: OnnxGraph): string[] {
  return [...g.nodes, ...g.initializers].map((x) => Buffer.from(g.bytes.subarray(x.field.start, x.field.end)).toString('hex'));
}

test('per-column scikit-learn pipeline with ZipMap: label and probabilities as the original computes them, class order from ZipMap', async () => {
  const original = model('weather-columns.onnx');
  const adapted = adaptExternalModel(original, pipelines.weather, 'weather-columns.onnx');
  assert.deepEqual(adapted.signature, {
    inputs: [...pipelines.weather.features.numeric.map((name) => ({ name, kind: 'numeric' })), { name: 'season', kind: 'categorical' }],
    target: 'weather', task: 'classification', classes: ['drizzle', 'fog', 'rain', 'snow', 'sun'],
  });
  assert.deepEqual(adapted.producer, { name: 'skl2onnx', version: adapted.producer.version });
  assert.ok(adapted.notes.some((n) => /removed ZipMap/.test(n)), adapted.notes.join('\n'));
  const feeds = columnFeeds(adapted.signature.inputs);
  const { names, out } = await run(adapted.bytes, feeds);
  assert.deepEqual(names.outputs, ['label', 'probabilities']);
  assert.deepEqual(names.inputs, ['precipitation', 'temp_max', 'temp_min', 'wind', 'season']);
  assert.equal(out.label.type, 'string');
  assert.deepEqual(out.label.dims, [rows]);
  assert.deepEqual(out.probabilities.dims, [rows, 5]);
  const before = await run(original, feeds, ['output_label']);
  assert.deepEqual(out.label.data, before.out.output_label.data);
  assertLabelIsArgmax(out.label.data as string[], out.probabilities.data as Float32Array, adapted.signature.classes);
});

test('one [N, F] float input and int64 labels: one input per numeric feature, labels as strings, probabilities bit-identical', async () => {
  const original = model('wet-matrix.onnx');
  const adapted = adaptExternalModel(original, pipelines.wet, 'wet-matrix.onnx');
  assert.deepEqual(adapted.signature.inputs.map((i) => i.name), ['temp_max', 'temp_min', 'wind']);
  assert.deepEqual(adapted.signature.classes, ['0', '1']);
  const feeds = columnFeeds(adapted.signature.inputs);
  const { names, out } = await run(adapted.bytes, feeds);
  assert.deepEqual([...names.inputs], ['temp_max', 'temp_min', 'wind']);
  assert.deepEqual([...names.outputs].sort(), ['label', 'probabilities']);
  const matrix = new Float32Array(rows * 3);
  ['temp_max', 'temp_min', 'wind'].forEach((c, j) => (feeds[c].data as Float32Array).forEach((v, i) => (matrix[i * 3 + j] = v)));
  const before = await run(original, { X: new ort.Tensor('float32', matrix, [rows, 3]) });
  assert.equal(before.out.label.type, 'int64');
  assert.equal(out.label.type, 'string');
  assert.deepEqual(out.label.data, Array.from(before.out.label.data as BigInt64Array, String));
  assert.deepEqual(out.probabilities.data, before.out.probabilities.data);
  assertLabelIsArgmax(out.label.data as string[], out.probabilities.data as Float32Array, adapted.signature.classes);
});

test('ZipMap with int64 class labels: the same labels and probabilities as the ZipMap-free export of the same model', async () => {
  const withZipMap = adaptExternalModel(model('wet-matrix-zipmap.onnx'), pipelines.wet, 'wet-matrix-zipmap.onnx');
  const without = adaptExternalModel(model('wet-matrix.onnx'), pipelines.wet, 'wet-matrix.onnx');
  assert.deepEqual(withZipMap.signature, without.signature);
  assert.ok(withZipMap.notes.some((n) => /removed ZipMap/.test(n)), withZipMap.notes.join('\n'));
  const feeds = columnFeeds(without.signature.inputs);
  const [a, b] = [await run(withZipMap.bytes, feeds), await run(without.bytes, feeds)];
  assert.deepEqual([...a.names.outputs].sort(), ['label', 'probabilities']);
  assert.deepEqual(a.out.label.data, b.out.label.data);
  assert.deepEqual(a.out.probabilities.data, b.out.probabilities.data);
});

test('regressor: its float [N, 1] output becomes prediction; nodes and initializers are kept byte for byte', async () => {
  const original = model('temp-max-regressor.onnx');
  const adapted = adaptExternalModel(original, { ...pipelines.tempMax, features: { numeric: ['precipitation', 'temp_min', 'wind', 'temp_max_yesterday'], categorical: [] } }, 'r.onnx');
  assert.equal(adapted.signature.task, 'regression');
  assert.deepEqual(adapted.signature.classes, []);
  assert.ok(adapted.notes.includes('pipeline features the model does not use: temp_max_yesterday'), adapted.notes.join('\n'));
  const feeds = columnFeeds(adapted.signature.inputs);
  const { names, out } = await run(adapted.bytes, feeds);
  assert.deepEqual(names.outputs, ['prediction']);
  assert.deepEqual(out.prediction.dims, [rows, 1]);
  assert.deepEqual(out.prediction.data, (await run(original, feeds)).out.variable.data);
  const kept = new Set(rawParts(decodeModel(adapted.bytes).graph));
  for (const part of rawParts(decodeModel(original).graph)) assert.ok(kept.has(part), 'original node or initializer copied unchanged');
});

test('a double input, an [N] input and a double [N] output are cast and reshaped to the contract', async () => {
  const { FLOAT, DOUBLE, INT64 } = TensorDataType;
  const graph: GraphSpec = {
    name: 'sum',
    inputs: [{ name: 'a', elemType: DOUBLE, dims: ['N', 1] }, { name: 'b', elemType: FLOAT, dims: ['N'] }],
    outputs: [{ name: 'out', elemType: DOUBLE, dims: ['N'] }],
    initializers: [{ name: 'col', dataType: INT64, dims: [2], ints: [-1, 1] }, { name: 'flat', dataType: INT64, dims: [1], ints: [-1] }],
    nodes: [
      { opType: 'Cast', inputs: ['a'], outputs: ['a_f'], attributes: { to: attr.int(FLOAT) } },
      { opType: 'Reshape', inputs: ['b', 'col'], outputs: ['b_col'] },
      { opType: 'Add', inputs: ['a_f', 'b_col'], outputs: ['prediction'] },
      { opType: 'Reshape', inputs: ['prediction', 'flat'], outputs: ['sum_flat'] },
      { opType: 'Cast', inputs: ['sum_flat'], outputs: ['out'], attributes: { to: attr.int(DOUBLE) } },
    ],
  };
  const bytes = encodeModel({ opsets: [{ domain: '', version: 17 }], producerName: 'hand', graph });
  const adapted = adaptExternalModel(bytes, { task: 'regression', target: 'y', features: { numeric: ['a', 'b'], categorical: [] } }, 'sum.onnx');
  assert.ok(adapted.notes.some((n) => /renamed the model's value "prediction"/.test(n)), adapted.notes.join('\n'));
  const f = (v: number[]) => new ort.Tensor('float32', Float32Array.from(v), [v.length, 1]);
  const { names, out } = await run(adapted.bytes, { a: f([1, 2.5, -1]), b: f([10, 20, 30]) });
  assert.deepEqual(names.outputs, ['prediction']);
  assert.equal(out.prediction.type, 'float32');
  assert.deepEqual(out.prediction.dims, [3, 1]);
  assert.deepEqual(Array.from(out.prediction.data as Float32Array), [11, 22.5, 29]);
});

function refusal(bytes: Uint8Array, pipeline: ImportPipeline | PipelineDefinition, pattern: RegExp): void {
  assert.throws(() => adaptExternalModel(bytes, pipeline, 'model.onnx'), (err: unknown) => {
    assert.ok(err instanceof ImportError, String(err));
    assert.match(err.message, /^model\.onnx: /);
    assert.match(err.message, pattern);
    return true;
  });
}

test('not an ONNX file, an empty one, truncated bytes, another protobuf message: refused as not an ONNX model', () => {
  refusal(new TextEncoder().encode('date,precipitation\n2012-01-01,0\n'), pipelines.weather, /not an ONNX model/);
  refusal(new Uint8Array(0), pipelines.weather, /not an ONNX model \(the file is empty\)/);
  const whole = model('weather-columns.onnx');
  for (const cut of [7, 100, Math.floor(whole.length / 2), whole.length - 1]) {
    refusal(whole.subarray(0, cut), pipelines.weather, /not an ONNX model \(.*(past the end|truncated|claims)/);
  }
  refusal(Uint8Array.from([0x0a, 0x03, 0x61, 0x62, 0x63]), pipelines.weather, /not an ONNX model \(no graph \(ModelProto field 7\)\)/);
});

test('a model keeping tensor data in external files is refused', () => {
  const { FLOAT } = TensorDataType;
  const graph = encodeGraph({ name: 'g', inputs: [{ name: 'wind', elemType: FLOAT, dims: ['N', 1] }], outputs: [{ name: 'y', elemType: FLOAT, dims: ['N', 1] }], nodes: [{ opType: 'Mul', inputs: ['wind', 'w'], outputs: ['y'] }] });
  const location = new ProtoWriter().string(1, 'location').string(2, 'weights.bin').finish();
  const tensor = new ProtoWriter().varint(1, 1).varint(2, FLOAT).string(8, 'w').message(13, location).varint(14, 1).finish(); // external_data, data_location EXTERNAL
  const bytes = new ProtoWriter().varint(1, 8).message(7, Buffer.concat([graph, new ProtoWriter().message(5, tensor).finish()])).message(8, new ProtoWriter().varint(2, 17).finish()).finish();
  refusal(bytes, { task: 'regression', target: 't', features: { numeric: ['wind'], categorical: [] } }, /initializers "w" keep their data in external files: save the model as one file/);
});

test('inputs that are not pipeline features, or of the wrong kind or shape, are each named', () => {
  const columns = model('weather-columns.onnx');
  refusal(columns, pipelines.wet, /input "precipitation" \(float \[\?, 1\]\) is not one of the pipeline's features\n {2}- input "season" \(string \[\?, 1\]\) is not one/);
  const swapped = { ...pipelines.weather, features: { numeric: ['season', 'temp_max', 'temp_min', 'wind'], categorical: ['precipitation'] } };
  refusal(columns, swapped, /input "precipitation" \(float \[\?, 1\]\): the pipeline's feature "precipitation" is categorical, so the input must be string/);
  refusal(columns, swapped, /input "season" \(string \[\?, 1\]\): the pipeline's feature "season" is numeric, so the input must be float/);
  const matrix = model('wet-matrix.onnx');
  refusal(matrix, { ...pipelines.wet, features: { numeric: ['temp_max', 'temp_min', 'wind'], categorical: ['season'] } }, /input "X" is one float \[\?, 3\] matrix, but the pipeline has categorical features \(season\).*one \[N, 1\] input per feature column/);
  refusal(matrix, pipelines.weather, /categorical features/);
  refusal(matrix, { ...pipelines.wet, features: { numeric: ['temp_max', 'wind'], categorical: [] } }, /its width 3 does not match the pipeline's 2 numeric features \(temp_max, wind\)/);
  const wide = encodeModel({
    opsets: [{ domain: '', version: 17 }],
    graph: { name: 'g', inputs: [{ name: 'wind', elemType: TensorDataType.FLOAT, dims: ['N', 3] }], outputs: [{ name: 'y', elemType: TensorDataType.FLOAT, dims: ['N', 3] }], nodes: [{ opType: 'Identity', inputs: ['wind'], outputs: ['y'] }] },
  });
  refusal(wide, { task: 'regression', target: 't', features: { numeric: ['wind'], categorical: [] } }, /input "wind" \(float \[N, 3\]\) is not one column/);
});

test('a model without the outputs of the pipeline\'s task is refused, its outputs listed', () => {
  refusal(model('temp-max-regressor.onnx'), { ...pipelines.tempMax, task: 'classification', target: 'weather' }, /no usable classifier outputs: need a label .* the model's outputs are "variable" \(float \[\?, 1\]\)/);
  refusal(model('wet-matrix.onnx'), { ...pipelines.wet, task: 'regression' }, /no usable regressor output: need one float tensor \[N\] or \[N, 1\]; the model's outputs are "label" \(int64 \[\?\]\), "probabilities" \(float \[\?, 2\]\)/);
});

test('the smoke test names each problem with its row count and first row', () => {
  const classes = ['no', 'yes'];
  const classifier = (labels: string[], p: number[]) => ({ task: 'classification' as const, labels, probabilities: Float32Array.from(p), classes: 2 });
  assert.deepEqual(smokeProblems(classifier(['yes', 'no'], [0.25, 0.75, 0.5, 0.5]), classes), [], 'a tie may go either way');
  assert.deepEqual(smokeProblems(classifier(['no', 'no', 'maybe'], [0.2, 0.8, 0.6, 0.4, 0.5, 0.5]), classes), [
    'label is not the most probable class: 1 row(s), e.g. row 0: "no" p=0.2, max p=0.8',
    'label is not one of the classes: 1 row(s), e.g. row 2: "maybe"',
  ]);
  assert.deepEqual(smokeProblems(classifier(['yes', 'yes'], [0.3, NaN, 0.1, 0.2]), classes), [
    'a probability is negative or not finite: 1 row(s), e.g. row 0: [0.3, NaN]',
    'probabilities do not sum to 1 (±1e-3): 2 row(s), e.g. row 0: sum NaN',
  ]);
  assert.deepEqual(smokeProblems({ task: 'regression', values: Float32Array.from([1, Infinity, NaN]) }, []), ['non-finite prediction: 2 row(s), e.g. row 1: Infinity']);
});
