// Importing a model trained elsewhere on derived features: the pipeline's transforms are fitted and prepended, so it takes raw columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkImport, ImportRefused } from '../../triggers/importCheck.js';
import { parsePipeline } from '../../lib/config/pipeline.js';
import { readSource } from '../../lib/data/sources/index.js';
import { column } from '../../lib/data/table.js';
import { evaluateOnnx } from '../../lib/onnx/evaluateOnnx.js';
import { exportModelToOnnx, modelInputs } from '../../lib/onnx/exportModel.js';
import { holdoutSplit } from '../../lib/train/evaluate.js';
import { fitModel } from '../../lib/train/model.js';
import { applyTransforms, fitTransforms } from '../../lib/transforms/fit.js';
import type { TransformDeclaration } from '../../lib/transforms/schema.js';

const DATA = fileURLToPath(new URL('../fixtures/import/seattle-season.csv', import.meta.url));
const TRANSFORMS: TransformDeclaration[] = [
  { name: 'temp_range', expr: 'temp_max - temp_min' },
  { name: 'month', expr: 'month(date)' },
  { name: 'wind_z', standardize: 'wind' },
  { name: 'season_code', vocabulary: 'season', encode: 'onehot' },
];
const DERIVED = ['temp_range', 'month', 'wind_z', 'season_code'];
const SEARCH = { seed: 7, holdoutFraction: 0.2, space: { logreg: { l2: [0.01] } } };

function definition(transforms: TransformDeclaration[]) {
  return parsePipeline(
    { name: 'import-derived', data: { path: DATA }, target: 'weather', transforms, features: { numeric: [...DERIVED, 'precipitation'] }, search: SEARCH },
    'test',
    '/',
  );
}

/** "Trained elsewhere": a model over the derived columns (computed with the transforms fitted on the training rows), exported without them. */
async function externalModel(dir: string) {
  const table = await readSource({ kind: 'file', path: DATA });
  const { train, test: holdout } = holdoutSplit(table, 'weather', SEARCH.holdoutFraction, SEARCH.seed);
  const fitted = fitTransforms(TRANSFORMS, train);
  const onehot = fitted.transforms.find((t) => t.decl.name === 'season_code')?.outputs.map((o) => o.name) ?? [];
  const features = { numeric: [...DERIVED.slice(0, 3), ...onehot, 'precipitation'], categorical: [] };
  const model = fitModel(applyTransforms(fitted, train), { task: 'classification', target: 'weather', algorithm: 'logreg', params: { l2: 0.01 }, features });
  const bytes = exportModelToOnnx(model);
  const file = join(dir, 'external.onnx');
  await writeFile(file, bytes);
  return { file, bytes, signature: { inputs: modelInputs(model), target: 'weather', task: 'classification' as const, classes: model.classes }, fitted, train, holdout, onehot };
}

test('a model over derived features imports over raw columns: the transforms are fitted on the training rows, prepended, and it scores as the bare model does on derived columns', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-import-derived-'));
  try {
    const ext = await externalModel(dir);
    assert.deepEqual(ext.signature.inputs.map((i) => i.name), ['temp_range', 'month', 'wind_z', ...ext.onehot, 'precipitation'], 'the external model reads derived columns');
    const checked = await checkImport(ext.file, definition(TRANSFORMS), undefined);
    const inputs = checked.adapted.signature.inputs;
    assert.deepEqual(inputs.map((i) => [i.name, i.kind]).sort(), [['date', 'categorical'], ['precipitation', 'numeric'], ['season', 'categorical'], ['temp_max', 'numeric'], ['temp_min', 'numeric'], ['wind', 'numeric']]);
    assert.deepEqual(checked.transforms?.transforms.map((t) => t.decl.name), ['temp_range', 'month', 'wind_z', 'season_code']);
    // Learned on the training rows only, as training does: the holdout's winds are not in the mean.
    const winds = Array.from(column(ext.train, 'wind').values as ArrayLike<number>);
    const stats = checked.transforms?.transforms.find((t) => t.decl.name === 'wind_z')?.stats as { mean: number };
    assert.ok(Math.abs(stats.mean - winds.reduce((s, x) => s + x, 0) / winds.length) < 1e-9, `mean ${stats.mean}`);
    assert.ok(!checked.adapted.notes.some((n) => /features the model does not use/.test(n)), checked.adapted.notes.join('\n'));
    assert.ok(checked.adapted.notes.some((n) => /^derived inputs temp_range, month, wind_z, season_code_0.* are computed inside the graph by the pipeline's transforms \(fitted on \d+ training rows\)/.test(n)), checked.adapted.notes.join('\n'));

    // The raw holdout through the imported graph = the derived holdout through the bare model.
    const viaGraph = await evaluateOnnx(checked.adapted.bytes, checked.adapted.signature, ext.holdout);
    const bare = await evaluateOnnx(ext.bytes, ext.signature, applyTransforms(ext.fitted, ext.holdout));
    assert.ok(viaGraph.outputs.task === 'classification' && bare.outputs.task === 'classification');
    assert.deepEqual(viaGraph.outputs.labels, bare.outputs.labels);
    const worst = viaGraph.outputs.probabilities.reduce((m, p, i) => Math.max(m, Math.abs(p - (bare.outputs as { probabilities: Float32Array }).probabilities[i])), 0);
    assert.ok(worst <= 1e-6, `max |Δp| ${worst}`);
    assert.equal(checked.metrics.accuracy, bare.metrics.accuracy);
    assert.ok(checked.metrics.accuracy > 0.6, `accuracy ${checked.metrics.accuracy}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a transform the data cannot feed refuses the import (exit 2), naming the column; a pipeline without transforms names the derived column it lacks', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-import-derived-'));
  try {
    const ext = await externalModel(dir);
    const broken = TRANSFORMS.map((t) => (t.name === 'temp_range' ? { name: 'temp_range', expr: 'temp_max - temp_low' } : t));
    await assert.rejects(checkImport(ext.file, definition(broken), undefined), (err: Error) =>
      err instanceof ImportRefused && err.exitCode === 2 && /derived features \(temp_range, month, wind_z, season_code_0.*\), but the pipeline's transforms cannot be fitted .*temp_low/.test(err.message));
    const plain = parsePipeline(
      { name: 'import-plain', data: { path: DATA }, target: 'weather', features: { numeric: [...DERIVED.slice(0, 3), ...ext.onehot, 'precipitation'] }, search: SEARCH },
      'test',
      '/',
    );
    await assert.rejects(checkImport(ext.file, plain, undefined), (err: Error) => err instanceof ImportRefused && err.exitCode === 2 && /has no column "temp_range", "month", "wind_z"/.test(err.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
