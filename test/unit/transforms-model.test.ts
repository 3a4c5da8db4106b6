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
  });
}

test('a derived number listed as categorical is refused, naming it', () => {
  const table = parseCsv(csv, 'seattle');
  assert.throws(
    () => fitModel(table, { task: 'classification', target: 'weather', features: { numeric: [], categorical: ['month'] }, algorithm: 'logreg', params: { l2: 1 }, transforms: TRANSFORMS }),
    /derived feature "month" is a number: list it under features.numeric/,
  );
});
