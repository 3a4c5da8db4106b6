// A model with derived features: trained on arquero's columns, exported with the transforms in front, scored from raw columns in onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from '../../lib/data/csv.js';
import { recordsFromTable } from '../../lib/data/records.js';
import { exportModelToOnnx, modelInputs } from '../../lib/onnx/exportModel.js';
import { feedTensors } from '../../lib/onnx/feeds.js';
import { checkParity, float32Table } from '../../lib/onnx/parity.js';
import { scoreOnnx } from '../../lib/onnx/runtime.js';
import { fitModel, predictModel, type Algorithm } from '../../lib/train/model.js';
import type { TransformDeclaration } from '../../lib/transforms/schema.js';
import { transformsCard } from '../../lib/transforms/describe.js';
import { renderModelCardHtml } from '../../lib/report/modelCardHtml.js';
import type { ModelCard } from '../../lib/report/modelCard.js';

const csv = readFileSync(join(import.meta.dirname, '../../examples/seattle-weather/train-2012-2013.csv'), 'utf8');
const TRANSFORMS: TransformDeclaration[] = [
  { name: 'temp_range', expr: 'temp_max - temp_min' },
  { name: 'month', expr: 'month(date)' },
  { name: 'wet', expr: 'log(precipitation + 1)' },
  { name: 'wind_z', standardize: 'wind' },
];

for (const algorithm of ['logreg', 'gbdt'] as Algorithm[]) {
  test(`${algorithm}: the packaged graph takes raw columns (date as text) and gives the trainer's predictions`, async () => {
    const table = parseCsv(csv, 'seattle');
    const features = { numeric: ['temp_range', 'month', 'wet', 'wind_z', 'temp_max'], categorical: [] };
    const params: Record<string, number> = algorithm === 'logreg' ? { l2: 0.01 } : { nEstimators: 20, maxDepth: 3 };
    const model = fitModel(table, { task: 'classification', target: 'weather', features, algorithm, params, transforms: TRANSFORMS });
    assert.deepEqual(model.transforms?.transforms.map((t) => t.decl.name), ['temp_range', 'month', 'wet', 'wind_z']);
    const inputs = modelInputs(model);
    assert.deepEqual(inputs.map((i) => `${i.name}:${i.kind}`).sort(), ['date:categorical', 'precipitation:numeric', 'temp_max:numeric', 'temp_min:numeric', 'wind:numeric']);
    const fed = float32Table(table, inputs.filter((i) => i.kind === 'numeric').map((i) => i.name));
    const records = recordsFromTable(fed, inputs.map((i) => i.name));
    assert.match(String(records[0].date), /^2012-01-01$/);
    const parity = checkParity(predictModel(model, fed), await scoreOnnx(exportModelToOnnx(model), feedTensors(inputs, records), 'classification'));
    assert.ok(parity.ok, JSON.stringify(parity));
    assert.equal(parity.rows, table.rows);
    if (algorithm !== 'logreg') return;
    // The card: each transform, what it learned (the training mean of wind) and that arquero computed it.
    const card = transformsCard(model.transforms!);
    const windMean = Array.from(table.columns.find((c) => c.name === 'wind')!.values as Float64Array).reduce((a, b) => a + b, 0) / table.rows;
    assert.ok(Math.abs((card.transforms[3].statistics?.mean as number) - windMean) < 1e-9);
    assert.deepEqual(card.inputs.sort(), ['date', 'precipitation', 'temp_max', 'temp_min', 'wind']);
    const html = renderModelCardHtml({ name: 'w', purpose: 'p', algorithm: 'a', hyperparameters: {}, signature: { inputs, target: 'weather', classes: model.classes }, metrics: {}, primaryMetric: 'accuracy', dataset: { id: 'd', rows: 1, source: 's' }, trials: [], onnx: { sha256: 'x', bytes: 1 }, libraries: {}, runId: 'r', createdAt: 'now', transforms: card } as ModelCard);
    assert.match(html, /<h2>Transforms<\/h2><p>Computed by arquero 8\.0\.3 \(training\)/);
    assert.match(html, /<code>month\(date\)<\/code>/);
  });
}

test('a derived number listed as categorical is refused, naming it', () => {
  const table = parseCsv(csv, 'seattle');
  assert.throws(
    () => fitModel(table, { task: 'classification', target: 'weather', features: { numeric: [], categorical: ['month'] }, algorithm: 'logreg', params: { l2: 1 }, transforms: TRANSFORMS }),
    /derived feature "month" is a number: list it under features.numeric/,
  );
});

test('a string derived by a condition, one-hot encoded by its vocabulary: the feature name stands for its columns', async () => {
  const table = parseCsv(csv, 'seattle');
  const transforms: TransformDeclaration[] = [
    { name: 'season', expr: 'month(date) <= 3 ? "winter" : month(date) <= 9 ? "summer" : "autumn"' },
    { name: 'season_oh', vocabulary: 'season', encode: 'onehot' },
  ];
  const model = fitModel(table, { task: 'classification', target: 'weather', features: { numeric: ['season_oh', 'temp_max'], categorical: ['season'] }, algorithm: 'logreg', params: { l2: 0.1 }, transforms });
  assert.deepEqual(model.features.numeric, ['season_oh_0', 'season_oh_1', 'season_oh_2', 'season_oh_oov', 'temp_max']);
  const inputs = modelInputs(model);
  assert.deepEqual(inputs.map((i) => i.name).sort(), ['date', 'temp_max']);
  const fed = float32Table(table, ['temp_max']);
  const parity = checkParity(predictModel(model, fed), await scoreOnnx(exportModelToOnnx(model), feedTensors(inputs, recordsFromTable(fed, ['date', 'temp_max'])), 'classification'));
  assert.ok(parity.ok, JSON.stringify(parity));
});
