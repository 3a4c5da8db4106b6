// Bad input, one test per case: each is a DataError naming the file, the row or column, and the problem.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { DataError } from '../../lib/data/errors.js';
import { readSource } from '../../lib/data/sources/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mlcycle-bad-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const PARQUET = fileURLToPath(new URL('../fixtures/parquet/types-zstd.parquet', import.meta.url));

/** Writes `content` to `name`, reads it, and returns the DataError (whose message must start with the path). */
async function failure(name: string, content: string | Uint8Array): Promise<DataError> {
  const path = join(dir, name);
  writeFileSync(path, content);
  const err = await readSource({ kind: 'file', path }).then(
    () => assert.fail(`${name} was read without an error`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DataError, `expected a DataError, got ${String(err)}`);
  assert.ok(err.message.startsWith(`${path}: `), `message names the file: ${err.message}`);
  assert.equal(err.details?.source, path);
  return err;
}

test('empty file', async () => {
  assert.match((await failure('empty.csv', '')).message, /empty file/);
  assert.match((await failure('blank.csv', '\n  \n\n')).message, /empty file \(no header row\)/);
  assert.match((await failure('empty.jsonl', '\n\n')).message, /no JSON objects/);
});

test('header with no rows', async () => {
  const err = await failure('header.csv', 'city,temp,when\r\n');
  assert.match(err.message, /header but no data rows \(columns: city, temp, when\)/);
});

test('ragged rows', async () => {
  const short = await failure('short.csv', 'a,b,c\n1,2,3\n4,5\n');
  assert.match(short.message, /ragged rows: row 2 \(line 3\) has 2 fields, the header has 3/);
  assert.deepEqual([short.details?.row, short.details?.line], [2, 3]);
  const long = await failure('long.csv', 'a,b,c\n1,2,3\n\n"x\ny",5,6,7\n');
  assert.match(long.message, /ragged rows: row 2 \(line 4\) has 4 fields, the header has 3/);
});

test('wrong delimiter', async () => {
  const semicolons = await failure('semicolons.csv', 'city;temp;when\nOslo;-3,5;2020-01-01\n');
  assert.match(semicolons.message, /wrong delimiter: the header "city;temp;when" reads as one column; the file looks semicolon-separated \(";"\), not comma-separated/);
  const commas = await failure('commas.tsv', 'city,temp\nOslo,3\n');
  assert.match(commas.message, /the file looks comma-separated \(","\), not tab-separated/);
});

test('bytes that are not UTF-8', async () => {
  const latin1 = Buffer.concat([Buffer.from('name,city\nAnn,Oslo\nJos'), Buffer.from([0xe9]), Buffer.from(',Li'), Buffer.from([0xe8]), Buffer.from('ge\n')]);
  const err = await failure('latin1.csv', latin1);
  assert.match(err.message, /not valid UTF-8 at byte offset 22 \(line 3\): bytes 0xe9 0x2c/);
  assert.deepEqual([err.details?.offset, err.details?.line], [22, 3]);
});

test('binary junk', async () => {
  let seed = 7;
  const junk = Uint8Array.from({ length: 4096 }, () => (seed = (seed * 16807) % 2147483647) & 0xff);
  assert.match((await failure('junk.csv', junk)).message, /not a text file \(NUL byte at byte offset \d+\)/);
  const controls = Buffer.from('a,b\n' + '\x01\x02\x03x,y\n'.repeat(50));
  assert.match((await failure('controls.csv', controls)).message, /not a text file \(\d+ of its first \d+ bytes are control characters\)/);
  assert.match((await failure('data.csv', readFileSync(PARQUET))).message, /not a text file: it looks like a Parquet file/);
});

test('duplicate column names', async () => {
  const err = await failure('dup.csv', 'id,temp,id\n1,2,3\n');
  assert.match(err.message, /duplicate column name "id" in the header \(line 1\)/);
  assert.equal(err.details?.column, 'id');
});

test('mixed-type column', async () => {
  const rows = Array.from({ length: 40 }, (_, i) => `${i},${(i * 1.5).toFixed(1)},x${i % 3}`);
  rows.splice(25, 0, '25b,n/a,x1');
  const err = await failure('mixed.csv', ['id,price,code', ...rows].join('\n'));
  assert.match(err.message, /column "id" has mixed types: row 26 \(line 27\) holds "25b", but 40 of its 41 non-empty values are numbers/);
  assert.deepEqual([err.details?.column, err.details?.row], ['id', 26]);
  const json = await failure('mixed.jsonl', ['{"t": 1}', '{"t": 2.5}', '{"t": "warm"}', '{"t": 4}'].join('\n'));
  assert.match(json.message, /column "t" has mixed types: row 3 \(line 3\) holds "warm", but 3 of its 4 non-empty values are numbers/);
  const path = join(dir, 'mostly-text.csv');
  writeFileSync(path, 'code,n\nA1,1\nB2,2\n300,3\nC4,4\n');
  const table = await readSource({ kind: 'file', path });
  assert.deepEqual(table.columns[0], { name: 'code', kind: 'categorical', values: ['A1', 'B2', '300', 'C4'] }, 'mostly text stays categorical');
});

test('unreadable Parquet', async () => {
  const bytes = readFileSync(PARQUET);
  const truncated = await failure('truncated.parquet', bytes.subarray(0, bytes.length - 100));
  assert.match(truncated.message, /not a readable Parquet file: it is truncated, damaged or not Parquet at all/);
  const text = await failure('text.parquet', 'id,name\n1,a\n');
  assert.match(text.message, /not a readable Parquet file/);
  const group2 = (await parquetMetadataAsync(await asyncBufferFromFile(PARQUET))).row_groups[1].columns[0].meta_data!;
  const start = Number(group2.dictionary_page_offset ?? group2.data_page_offset);
  const damaged = Buffer.from(bytes);
  damaged.fill(0x55, start, start + Number(group2.total_compressed_size)); // row group 2's first column; footer intact
  assert.match((await failure('damaged.parquet', damaged)).message, /not a readable Parquet file at row group 2 of 5, column "id"/);
});

test('malformed JSON line', async () => {
  const err = await failure('events.jsonl', '{"id": 1, "kind": "a"}\n{"id": 2, "kind": "b"\n{"id": 3, "kind": "c"}\n');
  assert.match(err.message, /line 2: not valid JSON/);
  assert.equal(err.details?.line, 2);
  const nested = await failure('nested.jsonl', '{"id": 1, "tags": ["a", "b"]}\n');
  assert.match(nested.message, /line 1: column "tags" holds an array; only flat values/);
  const array = await failure('lines.json', '{"id": 1}\n{"id": 2}\n');
  assert.match(array.message, /not valid JSON at line 2 .*JSON lines: use a \.jsonl name/);
});
