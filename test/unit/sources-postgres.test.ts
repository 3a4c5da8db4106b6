// Tests for the Postgres source against a real embedded Postgres: kinds, chunks, resume, and errors without secrets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type RunningPostgres } from '../../stack/postgres.js';
import { DataError } from '../../lib/data/errors.js';
import { column, type Table } from '../../lib/data/table.js';
import { memoryCheckpoint, parseCsv, readSource } from '../../lib/data/sources/index.js';

const SEATTLE = new URL('../../node_modules/vega-datasets/data/seattle-weather.csv', import.meta.url);
let server: RunningPostgres;
let dir: string;
let url: string;
let seattle: Table;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-pg-source-'));
  await chmod(dir, 0o755);
  let lastError: unknown;
  for (let attempt = 0; attempt < 4 && !server; attempt++) {
    try {
      server = await startEmbeddedPostgres(join(dir, `state-${attempt}`), 56000 + Math.floor(Math.random() * 4000));
    } catch (err) {
      lastError = err;
    }
  }
  if (!server) throw lastError;
  url = server.url;
  const text = await readFile(SEATTLE, 'utf8');
  seattle = parseCsv(text, 'seattle-weather.csv');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE weather (date date, precipitation float8, temp_max numeric(5,1), temp_min real, wind float8, weather varchar(10))`);
  const rows = text.trimEnd().split('\n').slice(1).map((l) => l.split(','));
  const params = rows.flat();
  const values = rows.map((_, r) => `(${[1, 2, 3, 4, 5, 6].map((k) => `$${r * 6 + k}`).join(',')})`).join(',');
  await client.query(`INSERT INTO weather VALUES ${values}`, params);
  await client.query(`CREATE TABLE kinds (id bigint, n int, flag bool, name text, d date, ts timestamp, tstz timestamptz, big bigint)`);
  await client.query(`INSERT INTO kinds VALUES
    (1, 10, true, 'a', '2020-01-02', '2020-01-02 03:04:05.678', '2020-01-02 03:04:05+02', 9007199254740993),
    (2, NULL, false, NULL, NULL, NULL, NULL, 1),
    (3, -5, NULL, '', '1969-12-31', '1969-12-31 23:59:59', '2020-06-01 00:00:00Z', 2)`);
  await client.end();
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function assertSameTable(actual: Table, expected: Table): void {
  assert.equal(actual.rows, expected.rows);
  assert.deepEqual(actual.columns.map((c) => `${c.name}:${c.kind}`), expected.columns.map((c) => `${c.name}:${c.kind}`));
  actual.columns.forEach((c, i) => assert.deepEqual(Array.from(c.values as ArrayLike<unknown>), Array.from(expected.columns[i].values as ArrayLike<unknown>), c.name));
}

const weather = (extra: { chunkRows?: number; query?: string } = {}) =>
  ({ kind: 'postgres', connectionString: url, query: 'SELECT * FROM weather ORDER BY date', ...extra }) as const;

test('a query read in chunks of 100 gives the same Table as the CSV, with progress per chunk', async () => {
  const progress: number[] = [];
  const table = await readSource(weather({ chunkRows: 100 }), { onProgress: (p) => progress.push(p.rows) });
  assertSameTable(table, seattle);
  assert.equal(progress.length, 15);
  assert.deepEqual(progress.slice(0, 2), [100, 200]);
  assert.equal(progress.at(-1), 1461);
});

test('column kinds follow the Postgres types: ints numeric, bool/text categorical, date/timestamp(tz) date', async () => {
  const t = await readSource({ kind: 'postgres', connectionString: url, query: 'SELECT id, n, flag, name, d, ts, tstz FROM kinds ORDER BY id' });
  assert.deepEqual(t.columns.map((c) => `${c.name}:${c.kind}`), ['id:numeric', 'n:numeric', 'flag:categorical', 'name:categorical', 'd:date', 'ts:date', 'tstz:date']);
  assert.deepEqual(Array.from(column(t, 'n').values as Float64Array), [10, NaN, -5]);
  assert.deepEqual(column(t, 'flag').values, ['true', 'false', null]);
  assert.deepEqual(column(t, 'name').values, ['a', null, '']);
  assert.deepEqual(Array.from(column(t, 'd').values as Float64Array), [Date.UTC(2020, 0, 2), NaN, Date.UTC(1969, 11, 31)]);
  assert.deepEqual(Array.from(column(t, 'ts').values as Float64Array), [Date.UTC(2020, 0, 2, 3, 4, 5, 678), NaN, Date.UTC(1969, 11, 31, 23, 59, 59)]);
  assert.deepEqual(Array.from(column(t, 'tstz').values as Float64Array), [Date.UTC(2020, 0, 2, 1, 4, 5), NaN, Date.UTC(2020, 5, 1)]);
});

test('a bigint beyond 2^53 is a DataError naming column and row', async () => {
  await assert.rejects(readSource({ kind: 'postgres', connectionString: url, query: 'SELECT big FROM kinds ORDER BY id' }), (err: unknown) =>
    err instanceof DataError && /column "big" row 1: "9007199254740993" is beyond 2\^53/.test(err.message));
});

test('interrupted after chunk 4 of 15 and resumed: the same Table, and stored chunks are not read again', async () => {
  const checkpoint = memoryCheckpoint();
  let chunks = 0;
  await assert.rejects(
    readSource(weather({ chunkRows: 100 }), { checkpoint, onProgress: () => { if (++chunks === 4) throw new Error('worker died'); } }),
    /worker died/,
  );
  assert.deepEqual([checkpoint.saved?.position, checkpoint.saved?.rows, checkpoint.saved?.parts.length], [400, 400, 4]);
  assert.ok(!JSON.stringify(checkpoint.saved).includes('mlcycle@'), 'no connection details in the checkpoint');
  const progress: number[] = [];
  const resumed = await readSource(weather({ chunkRows: 100 }), { checkpoint, onProgress: (p) => progress.push(p.rows) });
  assertSameTable(resumed, seattle);
  assert.equal(progress.length, 11, 'only chunks 5..15 are read');
  assert.equal(progress[0], 500);
});

test('a query without ORDER BY is not resumed (its row order is not stable): it starts over', async () => {
  const checkpoint = memoryCheckpoint();
  const query = 'SELECT * FROM weather';
  let chunks = 0;
  await assert.rejects(readSource(weather({ chunkRows: 500, query }), { checkpoint, onProgress: () => { if (++chunks === 2) throw new Error('died'); } }));
  const progress: string[] = [];
  const table = await readSource(weather({ chunkRows: 500, query }), { checkpoint, onProgress: (p) => progress.push(p.detail) });
  assert.equal(table.rows, 1461);
  assert.equal(progress.length, 3);
  assert.match(progress[0], /no ORDER BY/);
});

test('an SQL error names the query and the server message, never the password', async () => {
  await assert.rejects(readSource({ kind: 'postgres', connectionString: url, query: 'SELECT nope FROM weather' }), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /query "SELECT nope FROM weather"/);
    assert.match(err.message, /column "nope" does not exist/);
    assert.ok(!err.message.includes(':mlcycle@'), err.message);
    return true;
  });
});

test('a wrong password or an unreachable server is a DataError without the password', async () => {
  const wrong = url.replace(':mlcycle@', ':Sup3rSecret@');
  await assert.rejects(readSource({ kind: 'postgres', connectionString: wrong, query: 'SELECT 1' }), (err: unknown) => {
    assert.ok(err instanceof DataError);
    assert.match(err.message, /cannot connect: password authentication failed/);
    assert.ok(!err.message.includes('Sup3rSecret') && !JSON.stringify(err.details).includes('Sup3rSecret'), err.message);
    return true;
  });
  await assert.rejects(
    readSource({ kind: 'postgres', connectionString: 'postgres://u:Sup3rSecret@127.0.0.1:1/db', query: 'SELECT 1' }),
    (err: unknown) => err instanceof DataError && /cannot connect: .*ECONNREFUSED/.test(err.message) && !err.message.includes('Sup3rSecret'),
  );
  await assert.rejects(
    readSource({ kind: 'postgres', connectionString: 'postgres://u:Sup3rSecret@[bad/db', query: 'SELECT 1' }),
    (err: unknown) => err instanceof DataError && !err.message.includes('Sup3rSecret'),
  );
});

test('a query with no rows is a DataError naming its columns', async () => {
  await assert.rejects(readSource(weather({ query: 'SELECT date, wind FROM weather WHERE false ORDER BY date' })), (err: unknown) =>
    err instanceof DataError && /the query returned no rows \(columns: date, wind\)/.test(err.message));
});

test('duplicate column names in the result are a DataError naming the column', async () => {
  await assert.rejects(readSource(weather({ query: 'SELECT wind, wind FROM weather ORDER BY date' })), (err: unknown) =>
    err instanceof DataError && /duplicate column name "wind" in the result/.test(err.message));
});
