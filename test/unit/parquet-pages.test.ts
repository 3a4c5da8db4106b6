// Parquet read page by page into typed columns: the same table as written (nulls in every kind, several row groups), as hyparquet's own assembly gives, with or without a checkpoint.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryCheckpoint, readSource } from '../../lib/data/sources/index.js';
import { openParquet, readParquetRows } from '../../lib/data/sources/parquet.js';
import type { Column, Table } from '../../lib/data/table.js';
import { ParquetTableWriter } from '../../lib/data/writeParquet.js';

const dir = mkdtempSync(join(tmpdir(), 'mlcycle-parquet-pages-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Part `g` of the written file: 1,500 rows; `sparse` is all missing in part 1, `kind` has 3 values (a dictionary page). */
function part(g: number): Table {
  const rows = 1500;
  const columns: Column[] = [
    { name: 'x', kind: 'numeric', values: Float64Array.from({ length: rows }, (_, i) => (i % 7 === 3 ? NaN : g * 1e4 + i / 8)) },
    { name: 'at', kind: 'date', values: Float64Array.from({ length: rows }, (_, i) => (i % 11 === 0 ? NaN : 1.7e12 + (g * rows + i) * 1000)) },
    { name: 'kind', kind: 'categorical', values: Array.from({ length: rows }, (_, i) => (i % 5 === 1 ? null : ['a', 'bb', 'ccc'][(i * g) % 3])) },
    { name: 'sparse', kind: 'numeric', values: Float64Array.from({ length: rows }, (_, i) => (g === 1 || i % 2 ? NaN : i)) },
  ];
  return { rows, columns };
}

function rowsOf(t: Table): unknown[][] {
  return t.columns.map((c) => Array.from(c.values as ArrayLike<unknown>, (v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));
}

test('a Parquet file with nulls in every kind and three row groups reads back as written, with and without a checkpoint', async () => {
  const path = join(dir, 'parts.parquet');
  const writer = new ParquetTableWriter(path);
  const parts = [0, 1, 2].map(part);
  for (const p of parts) await writer.write(p);
  await writer.finish();
  const expected = { columns: rowsOf(parts[0]).map((_, c) => parts.flatMap((p) => rowsOf(p)[c])) };

  const whole = await readSource({ kind: 'file', path });
  assert.equal(whole.rows, 4500);
  assert.deepEqual(whole.columns.map((c) => `${c.name}:${c.kind}`), ['x:numeric', 'at:date', 'kind:categorical', 'sparse:numeric']);
  assert.ok(whole.columns[0].values instanceof Float64Array);
  assert.deepEqual(rowsOf(whole), expected.columns);

  const checkpointed = await readSource({ kind: 'file', path }, { checkpoint: memoryCheckpoint() });
  assert.deepEqual(rowsOf(checkpointed), expected.columns);

  // hyparquet's own row assembly (the path readParquetRows still takes) agrees value for value.
  const open = await openParquet(path, path);
  assert.deepEqual(rowsOf(await readParquetRows(open, 0, open.total, path)), expected.columns);
});
