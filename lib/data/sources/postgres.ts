// A Postgres query → typed Table: read through a cursor in chunks, converted column-wise per chunk, resumable.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type Cursor from 'pg-cursor';
import type { Column, ColumnKind, Table } from '../table.js';
import { DataError, describeValue } from '../errors.js';
import { parseIsoDate } from '../textValues.js';
import { ChunkRecorder, type IngestCheckpoint, type ReadProgress } from './checkpoint.js';

export interface PostgresQuery {
  connectionString: string;
  query: string;
  /** Rows per cursor read (default 10,000). */
  chunkRows?: number;
}

export interface PostgresReadOptions {
  onProgress?: (p: ReadProgress) => void;
  checkpoint?: IngestCheckpoint;
}

const NUMERIC = new Set([20, 21, 23, 26, 700, 701, 1700]); // int8 int2 int4 oid float4 float8 numeric
const DATES = new Set([1082, 1114, 1184]); // date timestamp timestamptz
const BOOL = 16;
const INT8 = 20;
/** Every value arrives as the server's text (or null); kinds come from the column types. */
const RAW_TEXT = { getTypeParser: () => (text: string) => text } as unknown as pg.CustomTypesConfig;

function passwordOf(connectionString: string): string | undefined {
  try {
    const url = new URL(connectionString);
    return (url.password ? decodeURIComponent(url.password) : url.searchParams.get('password')) || undefined;
  } catch {
    return /(?:^|\s)password\s*=\s*'?([^'\s]+)/i.exec(connectionString)?.[1];
  }
}

/** The connection string with its password removed (for messages, logs and checkpoints). */
export function redactConnectionString(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    url.password = '';
    url.searchParams.delete('password');
    return url.toString().replace(/:@/, '@');
  } catch {
    return connectionString.replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***').replace(/\/\/([^:/@]*):[^@]*@/, '//$1@');
  }
}

/** `postgres://user@host:port/db` plus the first 80 characters of the query. */
export function describePostgres(q: PostgresQuery): string {
  return `${redactConnectionString(q.connectionString)} query "${shortQuery(q.query)}"`;
}

function shortQuery(query: string): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

function planOf(field: { name: string; dataTypeID: number }): ColumnKind {
  if (NUMERIC.has(field.dataTypeID)) return 'numeric';
  if (DATES.has(field.dataTypeID)) return 'date';
  return 'categorical';
}

/** One chunk of text rows → typed columns; `row0` is the number of rows before the chunk. */
function convert(rows: (string | null)[][], fields: pg.FieldDef[], kinds: ColumnKind[], row0: number, source: string): Table {
  const n = rows.length;
  const columns = fields.map((field, c): Column => {
    const bad = (i: number, why: string): never => {
      throw new DataError(`${source}: column "${field.name}" row ${row0 + i + 1}: ${describeValue(rows[i][c])} ${why}`, {
        source,
        column: field.name,
        row: row0 + i + 1,
      });
    };
    if (kinds[c] === 'categorical') {
      const values: (string | null)[] = new Array(n);
      const bool = field.dataTypeID === BOOL;
      for (let i = 0; i < n; i++) {
        const v = rows[i][c];
        values[i] = v === null ? null : bool ? (v === 't' ? 'true' : 'false') : v;
      }
      return { name: field.name, kind: 'categorical', values };
    }
    const values = new Float64Array(n);
    const date = kinds[c] === 'date';
    for (let i = 0; i < n; i++) {
      const v = rows[i][c];
      if (v === null) values[i] = NaN;
      else if (date) values[i] = parseIsoDate(v) ?? bad(i, 'is not a date this table can hold');
      else {
        const x = Number(v);
        if (field.dataTypeID === INT8 && !Number.isSafeInteger(x)) bad(i, 'is beyond 2^53 and cannot be held exactly as a number');
        values[i] = x;
      }
    }
    return { name: field.name, kind: kinds[c], values } as Column;
  });
  return { rows: n, columns };
}

function readChunk(cursor: Cursor, n: number): Promise<{ rows: (string | null)[][]; fields: pg.FieldDef[] }> {
  return new Promise((resolve, reject) =>
    cursor.read(n, (err, rows, result) => (err ? reject(err) : resolve({ rows: rows as (string | null)[][], fields: result.fields }))),
  );
}

/**
 * Runs the query through a cursor, `chunkRows` rows per read. With a checkpoint, a query that has an ORDER BY
 * resumes after the rows already stored (`OFFSET`); one without an order cannot be resumed and starts over.
 */
export async function readPostgres(q: PostgresQuery, options: PostgresReadOptions = {}): Promise<Table> {
  const source = describePostgres(q);
  const password = passwordOf(q.connectionString);
  const clean = (text: string) => (password ? text.split(password).join('***') : text);
  const fail = (err: unknown, stage: string): DataError => {
    const e = err as Error & { code?: string };
    const message = clean(e instanceof Error ? e.message : String(err));
    return new DataError(`${clean(source)}: ${stage}: ${message}`, { source: clean(source), query: shortQuery(q.query), code: e.code });
  };
  const chunkRows = q.chunkRows ?? 10_000;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) {
    throw new DataError(`${source}: chunkRows must be a positive integer, got ${chunkRows}`, { source });
  }
  const body = q.query.trim().replace(/;\s*$/, '');
  const ordered = /\border\s+by\b/i.test(body);
  const fingerprint = `postgres:${createHash('sha256').update(`${redactConnectionString(q.connectionString)}\n${body}`).digest('hex')}`;
  const recorder = new ChunkRecorder(ordered ? options.checkpoint : undefined, fingerprint, source);
  if (!/^postgres(ql)?:\/\//i.test(q.connectionString.trim())) {
    throw new DataError(`${clean(source)}: bad connection string: expected a postgres:// or postgresql:// URL`, {
      source: clean(source),
      query: shortQuery(q.query),
    });
  }
  // Loaded on first use: a file read (the validate command) does not pay for the PostgreSQL client.
  const [{ default: pgModule }, { default: CursorClass }] = await Promise.all([import('pg'), import('pg-cursor')]);
  let client: pg.Client;
  try {
    client = new pgModule.Client({ connectionString: q.connectionString, connectionTimeoutMillis: 15_000, application_name: 'mlcycle-ingest' });
  } catch (err) {
    throw fail(err, 'bad connection string');
  }
  client.on('error', () => undefined); // a dropped connection also fails the pending read, which reports it
  let cursor: Cursor | undefined;
  try {
    try {
      await client.connect();
      await client.query("SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'");
    } catch (err) {
      throw fail(err, 'cannot connect');
    }
    const position = await recorder.resume();
    const text = position > 0 ? `SELECT * FROM (${body}) AS mlcycle_resumed OFFSET ${position}` : body;
    cursor = client.query(new CursorClass(text, undefined, { rowMode: 'array', types: RAW_TEXT }));
    let read = position;
    let kinds: ColumnKind[] | undefined;
    let names: string[] = [];
    for (;;) {
      let chunk;
      try {
        chunk = await readChunk(cursor, chunkRows);
      } catch (err) {
        throw fail(err, 'the query failed');
      }
      names = chunk.fields.map((f) => f.name);
      if (!kinds) {
        const duplicate = names.find((name, i) => names.indexOf(name) !== i);
        if (duplicate !== undefined) {
          throw new DataError(`${source}: duplicate column name "${duplicate}" in the result; alias the columns apart`, {
            source,
            column: duplicate,
            problem: 'duplicate column names',
          });
        }
        kinds = chunk.fields.map(planOf);
      }
      if (chunk.rows.length === 0) break;
      await recorder.add(convert(chunk.rows, chunk.fields, kinds, read, source), read + chunk.rows.length);
      read += chunk.rows.length;
      const note = ordered ? '' : ' (no ORDER BY: a restart reads from the beginning)';
      options.onProgress?.({ rows: read, detail: `read ${read} rows in chunks of ${chunkRows}${note}` });
      if (chunk.rows.length < chunkRows) break;
    }
    if (read === 0) {
      throw new DataError(`${source}: the query returned no rows (columns: ${names.join(', ') || 'none'})`, { source, problem: 'no rows' });
    }
    return recorder.table();
  } finally {
    await cursor?.close().catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
