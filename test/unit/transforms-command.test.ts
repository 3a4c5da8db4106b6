// `mlcycle transforms` writes the derived columns as training computes them; a model trained elsewhere on them imports over raw columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { readSource } from '../../lib/data/sources/index.js';
import { column, takeRows, type Table } from '../../lib/data/table.js';
import { exportModelToOnnx } from '../../lib/onnx/exportModel.js';
import { fitModel } from '../../lib/train/model.js';
import { checkImport } from '../../triggers/importCheck.js';
import { parsePipeline } from '../../lib/config/pipeline.js';

const DATA = fileURLToPath(new URL('../fixtures/import/seattle-season.csv', import.meta.url));
const DEFINITION = {
  name: 'derived-elsewhere',
  data: { path: DATA },
  target: 'weather',
  transforms: [
    { name: 'temp_range', expr: 'temp_max - temp_min' },
    { name: 'month', expr: 'month(date)' },
    { name: 'wind_z', standardize: 'wind' },
  ],
  features: { numeric: ['temp_range', 'month', 'wind_z', 'precipitation'] },
  search: { seed: 7, holdoutFraction: 0.2, space: { logreg: { l2: [0.01] } } },
};

function mlcycle(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), ...args], {
    env: { ...process.env, MLCYCLE_STATE_DIR: join(PROJECT_ROOT, '.state/no-stack-here') },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

const numbers = (t: Table, name: string): number[] => Array.from(column(t, name).values as ArrayLike<number>);

test('the derived CSV: every row with its split, the analyzers fitted on the train rows; a model trained on it elsewhere imports over raw columns', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-derive-'));
  try {
    const pipelineFile = join(dir, 'pipeline.json');
    await writeFile(pipelineFile, JSON.stringify(DEFINITION));
    const out = join(dir, 'out', 'derived.csv');
    const r = mlcycle(['transforms', '--pipeline', pipelineFile, '--out', out]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /wrote .*derived\.csv: \d+ train and \d+ holdout rows, derived temp_range, month, wind_z/);
    assert.match(r.out, /wind_z = standardize\(wind\) {2}learned \{"mean":/);

    const derived = await readSource({ kind: 'file', path: out });
    const raw = await readSource({ kind: 'file', path: DATA });
    assert.equal(derived.rows, raw.rows, 'every row');
    const split = column(derived, 'split').values as (string | null)[];
    const isTrain = split.map((s) => s === 'train');
    assert.equal(split.filter((s) => s === 'holdout').length, Math.round(raw.rows * 0.2), 'the holdout is search.holdoutFraction of the rows');
    // temp_range as written (float32, as the model receives it); wind_z standardized with the train rows' statistics.
    const [tmax, tmin, range] = [numbers(derived, 'temp_max'), numbers(derived, 'temp_min'), numbers(derived, 'temp_range')];
    range.forEach((v, i) => assert.ok(Math.abs(v - Math.fround(tmax[i] - tmin[i])) < 1e-9, `row ${i}: ${v}`));
    const z = numbers(derived, 'wind_z').filter((_, i) => isTrain[i]);
    const mean = z.reduce((s, x) => s + x, 0) / z.length;
    const sd = Math.sqrt(z.reduce((s, x) => s + (x - mean) ** 2, 0) / z.length);
    assert.ok(Math.abs(mean) < 1e-6 && Math.abs(sd - 1) < 0.01, `train wind_z mean ${mean}, sd ${sd}`);

    // Elsewhere: a model trained on the train rows' derived columns, exported without transforms; then imported.
    const trainRows = takeRows(derived, isTrain.flatMap((t, i) => (t ? [i] : [])));
    const model = fitModel(trainRows, { task: 'classification', target: 'weather', algorithm: 'logreg', params: { l2: 0.01 }, features: { numeric: DEFINITION.features.numeric, categorical: [] } });
    const file = join(dir, 'elsewhere.onnx');
    await writeFile(file, exportModelToOnnx(model));
    const checked = await checkImport(file, parsePipeline(DEFINITION, 'test', '/'), undefined);
    assert.deepEqual(checked.adapted.signature.inputs.map((i) => i.name).sort(), ['date', 'precipitation', 'temp_max', 'temp_min', 'wind']);
    assert.ok(checked.metrics.accuracy > 0.6, `holdout accuracy ${checked.metrics.accuracy}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a pipeline without transforms, or whose transforms read a column the data lacks, is refused (exit 2) and nothing is written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-derive-'));
  try {
    const none = join(dir, 'none.json');
    await writeFile(none, JSON.stringify({ ...DEFINITION, transforms: undefined, features: { numeric: ['precipitation'] } }));
    const r1 = mlcycle(['transforms', '--pipeline', none, '--out', join(dir, 'a.csv')]);
    assert.equal(r1.code, 2, r1.out);
    assert.match(r1.out, /derived-elsewhere declares no transforms: there is nothing to derive\nnothing was written/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...DEFINITION, transforms: [{ name: 'temp_range', expr: 'temp_max - temp_low' }], features: { numeric: ['temp_range'] } }));
    const r2 = mlcycle(['transforms', '--pipeline', bad, '--out', join(dir, 'b.csv')]);
    assert.equal(r2.code, 2, r2.out);
    assert.match(r2.out, /the transforms cannot be fitted on .*seattle-season\.csv: .*temp_low/);
    assert.deepEqual((await readdir(dir)).sort(), ['bad.json', 'none.json'], 'no file written');
    assert.equal(existsSync(join(dir, 'a.csv')), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
