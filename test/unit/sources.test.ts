// Tests for file sources: every format reads seattle-weather (or a fixture) to the same Table; Parquet codecs; Arrow.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '../../lib/data/errors.js';
import { recordsFromTable } from '../../lib/data/records.js';
import { encodeSnapshot } from '../../lib/data/snapshot.js';
import { column, type Table } from '../../lib/data/table.js';
import { describeSource, formatOf, parseCsv, readSource } from '../../lib/data/sources/index.js';

const DATA = fileURLToPath(new URL('../../node_modules/vega-datasets/data/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/parquet/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mlcycle-sources-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const csvText = readFileSync(join(DATA, 'seattle-weather.csv'), 'utf8');
const seattle = parseCsv(csvText, 'seattle-weather.csv');

/** Same rows, column names, kinds and values (NaN equals NaN; numeric/date values in Float64Arrays). */
function assertSameTable(actual: Table, expected: Table): void {
  assert.equal(actual.rows, expected.rows);
  assert.deepEqual(actual.columns.map((c) => `${c.name}:${c.kind}`), expected.columns.map((c) => `${c.name}:${c.kind}`));
  actual.columns.forEach((c, i) => {
    if (c.kind !== 'categorical') assert.ok(c.values instanceof Float64Array, `${c.name} is a Float64Array`);
    assert.deepEqual(Array.from(c.values as ArrayLike<unknown>), Array.from(expected.columns[i].values as ArrayLike<unknown>), `column ${c.name}`);
  });
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test('CSV file: streamed read equals parseCsv of the same text (seattle-weather)', async () => {
  assertSameTable(await readSource({ kind: 'file', path: join(DATA, 'seattle-weather.csv') }), seattle);
  assert.equal(seattle.rows, 1461);
});

test('TSV, .txt, JSON lines, JSON array and Arrow files give the same Table as the CSV', async () => {
  const tsv = csvText.replaceAll(',', '\t');
  const records = recordsFromTable(seattle);
  const paths = [
    file('w.tsv', tsv),
    file('w-tab.txt', tsv),
    file('w-comma.txt', csvText),
    file('w.jsonl', records.map((r) => JSON.stringify(r)).join('\n') + '\n'),
    file('w.ndjson', records.map((r) => JSON.stringify(r)).join('\r\n')),
    file('w.json', JSON.stringify(records, null, 1)),
    file('w.arrow', encodeSnapshot(seattle)),
    file('w.feather', encodeSnapshot(seattle)),
    file('w.data', csvText),
  ];
  for (const path of paths.slice(0, -1)) assertSameTable(await readSource({ kind: 'file', path }), seattle);
  assertSameTable(await readSource({ kind: 'file', path: paths.at(-1)!, format: 'csv' }), seattle);
});

test('Parquet (ZSTD) seattle-weather gives the same Table as the CSV', async () => {
  const progress: string[] = [];
  const table = await readSource({ kind: 'file', path: join(FIXTURES, 'seattle-weather.parquet') }, { onProgress: (p) => progress.push(p.detail) });
  assertSameTable(table, seattle);
  assert.deepEqual(progress, ['row group 1 of 3 (500 of 1461 rows)', 'row group 2 of 3 (1000 of 1461 rows)', 'row group 3 of 3 (1461 of 1461 rows)']);
});

test('Parquet with Snappy, gzip and ZSTD pages: every type maps to its kind, nulls kept', async () => {
  const tables = [];
  for (const codec of ['snappy', 'gzip', 'zstd']) tables.push(await readSource({ kind: 'file', path: join(FIXTURES, `types-${codec}.parquet`) }));
  const t = tables[0];
  assert.equal(t.rows, 40);
  assert.deepEqual(t.columns.map((c) => `${c.name}:${c.kind}`), [
    'id:numeric', 'score:numeric', 'small:numeric', 'ratio:numeric', 'price:numeric',
    'flag:categorical', 'name:categorical', 'day:date', 'at_us:date', 'at_ms:date',
  ]);
  const range = Array.from({ length: 40 }, (_, i) => i);
  const maybe = <T>(i: number, v: T, every: number, missing: T) => (i % every === every - 1 ? missing : v);
  const base = Date.UTC(2020, 0, 1);
  const expect: Record<string, unknown[]> = {
    id: range,
    score: range.map((i) => maybe(i, i * 0.5 - 3, 7, NaN)),
    small: range.map((i) => maybe(i, i - 20, 5, NaN)),
    ratio: range.map((i) => i / 8),
    price: range.map((i) => (i * 125) / 100),
    flag: range.map((i) => maybe(i, String(i % 2 === 0), 6, null)),
    name: range.map((i) => maybe(i, `n${i % 3}`, 4, null)),
    day: range.map((i) => maybe(i, base + i * 86_400_000, 9, NaN)),
    at_us: range.map((i) => base + i * 3_600_000 + 1), // 1,500 µs floors to 1 ms
    at_ms: range.map((i) => base + i * 60_000),
  };
  for (const [name, values] of Object.entries(expect)) assert.deepEqual(Array.from(column(t, name).values as ArrayLike<unknown>), values, name);
  assertSameTable(tables[1], t);
  assertSameTable(tables[2], t);
});

test('flights-200k.arrow loads: 200,000 rows of numeric columns', async () => {
  const t = await readSource({ kind: 'file', path: join(DATA, 'flights-200k.arrow') });
  assert.equal(t.rows, 200_000);
  assert.deepEqual(t.columns.map((c) => `${c.name}:${c.kind}`), ['delay:numeric', 'distance:numeric', 'time:numeric']);
  for (const c of t.columns) assert.ok(c.values instanceof Float64Array && c.values.length === t.rows);
});

test('a CSV over several 1 MiB reads: quoted newlines, doubled quotes and multi-byte characters across reads', async () => {
  const lines = ['\uFEFFid,note,amount,when'];
  for (let i = 0; i < 30_000; i++) lines.push(`${i},"café ""${i}""\nnaïve, ✓ ${'é'.repeat(i % 7)}",${i / 4},2020-01-${String((i % 28) + 1).padStart(2, '0')}`);
  const text = lines.join('\r\n') + '\r\n';
  const path = file('big.csv', text);
  let reads = 0;
  const table = await readSource({ kind: 'file', path }, { onProgress: () => reads++ });
  assert.ok(reads >= 2, `${reads} reads`);
  assertSameTable(table, parseCsv(text, 'big.csv'));
  assert.equal(column(table, 'note').values[12], 'café "12"\nnaïve, ✓ ééééé');
  assert.equal(column(table, 'id').kind, 'numeric');
  assert.equal(column(table, 'when').kind, 'date');
});

test('formats come from the extension; an unknown one is a DataError naming it', () => {
  assert.equal(formatOf('a/b.CSV'), 'csv');
  assert.equal(formatOf('x.ndjson'), 'jsonl');
  assert.equal(formatOf('x.ipc'), 'arrow');
  assert.equal(formatOf('x.txt'), 'txt');
  assert.throws(() => formatOf('data.xlsx'), (err: unknown) => err instanceof DataError && /data\.xlsx: unknown file extension "\.xlsx"/.test(err.message));
  assert.throws(() => formatOf('data'), (err: unknown) => err instanceof DataError && /"\(none\)"/.test(err.message));
});

test('a missing file is a DataError; describeSource hides the Postgres password', async () => {
  await assert.rejects(readSource({ kind: 'file', path: join(dir, 'nope.csv') }), (err: unknown) =>
    err instanceof DataError && /nope\.csv: cannot read the file: no such file/.test(err.message));
  const described = describeSource({ kind: 'postgres', connectionString: 'postgres://ana:s3cret@db.example:5432/sales?sslmode=require', query: 'SELECT 1' });
  assert.equal(described, 'postgres://ana@db.example:5432/sales?sslmode=require query "SELECT 1"');
  const kv = describeSource({ kind: 'postgres', connectionString: 'host=db user=ana password=s3cret dbname=x', query: 'SELECT 1' });
  assert.ok(!kv.includes('s3cret'), kv);
  assert.equal(describeSource({ kind: 'file', path: 'a.csv' }), 'file:a.csv');
});
