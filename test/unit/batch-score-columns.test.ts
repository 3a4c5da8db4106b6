// Tests for batch scoring's table pieces: the Parquet writer's round trip (parts, nulls, dates), column checks, answers as columns.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readParquet } from '../../lib/data/sources/parquet.js';
import type { Table } from '../../lib/data/table.js';
import { ParquetTableWriter } from '../../lib/data/writeParquet.js';
import { instancesOf, predictionColumnNames, predictionColumns, scoringProblems, sliceRows } from '../../lib/onnx/scoredColumns.js';
import { outputProblem } from '../../contracts/batchScore.js';

const part = (ids: number[], offset: number): Table => ({
  rows: ids.length,
  columns: [
    { name: 'x', kind: 'numeric', values: Float64Array.from(ids, (i) => (i % 3 === 0 ? NaN : i / 2)) },
    { name: 'c', kind: 'categorical', values: ids.map((i) => (i % 4 === 0 ? null : `c${i}`)) },
    { name: 't', kind: 'date', values: Float64Array.from(ids, (i) => (i === 5 ? NaN : Date.UTC(2026, 0, 1) + (i + offset) * 86_400_000)) },
  ],
});

test('ParquetTableWriter writes each part as a row group; missing values come back missing, dates as dates', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-pq-'));
  try {
    const path = join(dir, 'out.parquet');
    const writer = new ParquetTableWriter(path);
    const a = part([0, 1, 2, 3], 0);
    const b = part([4, 5, 6], 0);
    await writer.write(a);
    await writer.write(b);
    await writer.finish();
    const back = await readParquet(path, path);
    assert.equal(back.rows, 7);
    assert.deepEqual(back.columns.map((c) => [c.name, c.kind]), [['x', 'numeric'], ['c', 'categorical'], ['t', 'date']]);
    const all = [...a.columns.map((c, i) => [c, b.columns[i]] as const)];
    const values = (c: { values: ArrayLike<unknown> }): unknown[] => Array.from(c.values);
    all.forEach(([ca, cb], i) => assert.deepEqual(values(back.columns[i]), [...values(ca), ...values(cb)]));
    await assert.rejects(async () => {
      const w = new ParquetTableWriter(join(dir, 'mixed.parquet'));
      await w.write(a);
      await w.write({ rows: 1, columns: [{ name: 'y', kind: 'numeric', values: Float64Array.of(1) }] });
    }, /a part's columns differ from the first part's \(x,c,t\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('scoringProblems names missing inputs, wrong kinds and prediction columns the data has already', () => {
  const inputs = [{ name: 'x', kind: 'numeric' as const }, { name: 'c', kind: 'numeric' as const }, { name: 'z', kind: 'categorical' as const }];
  const predicted = predictionColumnNames('classification', ['no', 'yes']);
  assert.deepEqual(predicted, ['predicted_label', 'probability_no', 'probability_yes']);
  const table = { columns: [...part([1], 0).columns, { name: 'probability_no', kind: 'numeric' as const, values: Float64Array.of(0) }] };
  assert.deepEqual(scoringProblems(table, inputs, predicted), [
    'missing column "z" that the model takes as input',
    'column "c" is categorical, the model takes it as numeric',
    'the data already has column "probability_no", which scoring would add',
  ]);
  assert.deepEqual(scoringProblems(part([1], 0), [{ name: 'x', kind: 'numeric' }], predictionColumnNames('regression', [])), []);
});

test('rows become instances (missing as null) and answers become columns in class order', () => {
  const t = part([0, 1, 2, 3, 4], 0);
  assert.deepEqual(instancesOf(t, [{ name: 'x', kind: 'numeric' }, { name: 'c', kind: 'categorical' }], 3, 5), [{ x: null, c: 'c3' }, { x: 2, c: null }]);
  assert.equal(sliceRows(t, 1, 3).rows, 2);
  const cols = predictionColumns({ task: 'classification', labels: ['a', 'b'], probabilities: Float32Array.of(0.75, 0.25, 0.5, 0.5), classes: 2 }, ['a', 'b']);
  assert.deepEqual(cols.map((c) => [c.name, Array.from(c.values as ArrayLike<unknown>)]), [['predicted_label', ['a', 'b']], ['probability_a', [0.75, 0.5]], ['probability_b', [0.25, 0.5]]]);
  assert.throws(() => predictionColumns({ task: 'classification', labels: ['a'], probabilities: Float32Array.of(1), classes: 1 }, ['a', 'b']), /1 probabilities per row, its card names 2 classes/);
});

test('outputProblem: the format must be known and the path must carry its extension', () => {
  assert.equal(outputProblem('/x/out.parquet', 'parquet'), null);
  assert.equal(outputProblem('/x/out.ARROW', 'arrow'), null);
  assert.match(outputProblem('/x/out.csv', 'parquet') ?? '', /must end in \.parquet or \.pq, not "\.csv"/);
  assert.match(outputProblem('/x/out', 'arrow') ?? '', /not "\(none\)"/);
  assert.match(outputProblem('/x/out.csv', 'csv') ?? '', /unknown output format "csv"/);
});
