// Parquet → typed Table with hyparquet (+ Snappy/gzip/ZSTD…): one row group at a time, column-wise, resumable.
import { createHash } from 'node:crypto';
import { asyncBufferFromFile, parquetMetadata, parquetRead, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData, ParquetParsers, SchemaElement, SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Column, ColumnKind, Table } from '../table.js';
import { DataError } from '../errors.js';
import { ChunkRecorder, type IngestCheckpoint, type ReadProgress } from './checkpoint.js';
import { fill, readColumnChunk, type Plan } from './parquetPages.js';

export interface ParquetReadOptions {
  onProgress?: (p: ReadProgress) => void;
  checkpoint?: IngestCheckpoint;
}

const DAY_MS = 86_400_000;
const utf8 = new TextDecoder();

/** Epoch ms (floored) from a count of `per`-ms-fractions; exact through BigInt when beyond 2^53. */
function floorDiv(v: bigint, per: number): number {
  const n = Number(v);
  if (Number.isSafeInteger(n)) return Math.floor(n / per);
  const d = BigInt(per);
  const q = v / d;
  return Number(v < 0n && q * d !== v ? q - 1n : q);
}

/** Dates and timestamps come out as epoch ms numbers (not Date objects); JSON stays text. */
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => floorDiv(v, 1_000),
  timestampFromNanoseconds: (v: bigint) => floorDiv(v, 1_000_000),
  dateFromDays: (days: number) => days * DAY_MS,
  jsonFromBytes: (bytes: Uint8Array) => bytes && utf8.decode(bytes),
};

function planColumn(e: SchemaElement, sourceName: string): Plan {
  const { type, converted_type: ct, logical_type: lt } = e;
  const plan = (kind: ColumnKind, factor = 1): Plan => ({ name: e.name, kind, factor });
  if (ct === 'DATE') return plan('date');
  if (lt?.type === 'DATE') return plan('date', DAY_MS);
  if (ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS' || lt?.type === 'TIMESTAMP' || type === 'INT96') return plan('date');
  if (ct === 'DECIMAL') return plan('numeric');
  if (lt?.type === 'DECIMAL') return plan('numeric', 10 ** -lt.scale);
  if (type === 'BOOLEAN' || type === 'BYTE_ARRAY' || lt?.type === 'UUID') return plan('categorical');
  if (type === 'FIXED_LEN_BYTE_ARRAY' && lt?.type !== 'FLOAT16') return plan('categorical');
  if (type === 'INT32' || type === 'INT64' || type === 'FLOAT' || type === 'DOUBLE' || lt?.type === 'FLOAT16') return plan('numeric');
  throw new DataError(`${sourceName}: column "${e.name}" has Parquet type ${type ?? 'group'}, which has no table kind`, {
    source: sourceName,
    column: e.name,
  });
}

function unreadable(sourceName: string, err: unknown, where = ''): DataError {
  const message = err instanceof Error ? err.message : String(err);
  const hint = where ? '' : ': it is truncated, damaged or not Parquet at all';
  return new DataError(`${sourceName}: not a readable Parquet file${where}${hint} (${message})`, {
    source: sourceName,
    problem: 'unreadable parquet',
  });
}

/** After a failed read: the first column that fails alone in rows start..end (for the message). */
async function findBadColumn(file: AsyncBuffer, metadata: FileMetaData, plans: Plan[], start: number, end: number): Promise<string | undefined> {
  for (const p of plans) {
    const ok = await parquetRead({ file, metadata, rowStart: start, rowEnd: end, columns: [p.name], compressors, parsers: PARSERS }).then(
      () => true,
      () => false,
    );
    if (!ok) return p.name;
  }
  return undefined;
}

/** Rows start..end as a table; `where` names them in messages (" at row group 2 of 5"). */
async function readRows(file: AsyncBuffer, metadata: FileMetaData, plans: Plan[], start: number, end: number, where: string, sourceName: string): Promise<Table> {
  const rows = end - start;
  const outs = plans.map((p) => (p.kind === 'categorical' ? new Array<string | null>(rows).fill(null) : new Float64Array(rows).fill(NaN)));
  const filled = new Float64Array(plans.length);
  const index = new Map(plans.map((p, i) => [p.name, i]));
  let failure: unknown;
  try {
    await parquetRead({
      file,
      metadata,
      rowStart: start,
      rowEnd: end,
      columns: plans.map((p) => p.name),
      compressors,
      parsers: PARSERS,
      onChunk: ({ columnName, columnData, rowStart }) => {
        const c = index.get(columnName);
        if (c === undefined || failure) return;
        const from = Math.max(rowStart, start);
        const to = Math.min(rowStart + columnData.length, end);
        if (to <= from) return;
        const data = from === rowStart && to === rowStart + columnData.length ? columnData : columnData.slice(from - rowStart, to - rowStart);
        try {
          fill(plans[c], outs[c], data as ArrayLike<unknown>, from - start, from, sourceName);
        } catch (err) {
          failure = err;
        }
        filled[c] += to - from;
      },
    });
  } catch (err) {
    const culprit = await findBadColumn(file, metadata, plans, start, end);
    throw unreadable(sourceName, err, `${where}${culprit ? `, column "${culprit}"` : ''}`);
  }
  if (failure) throw failure;
  plans.forEach((p, c) => {
    if (filled[c] !== rows) throw unreadable(sourceName, `column "${p.name}" gave ${filled[c]} of ${rows} values`, where);
  });
  const columns = plans.map((p, c) => ({ name: p.name, kind: p.kind, values: outs[c] }) as Column);
  return { rows, columns };
}

type Out = Float64Array | (string | null)[];

/** Fresh columns of `rows` rows for the plans (every row is written by the reader). */
function allocate(plans: Plan[], rows: number): Out[] {
  return plans.map((p) => (p.kind === 'categorical' ? new Array<string | null>(rows) : new Float64Array(rows)));
}

/** Row group `g` (its first row is `start` in the file) into `outs` at `at`, each column chunk decoded straight into its typed column. */
async function readGroup(open: OpenParquet, g: number, start: number, outs: Out[], at: number, where: string, sourceName: string): Promise<number> {
  const group = open.metadata.row_groups[g];
  const rows = Number(group.num_rows);
  for (const [c, p] of open.plans.entries()) {
    const chunk = group.columns.find((k) => k.meta_data?.path_in_schema.join('.') === p.name) ?? group.columns[c];
    try {
      await readColumnChunk(open.file, chunk, open.paths[c], PARSERS, compressors, { plan: p, out: outs[c], at, row0: start, rows }, sourceName);
    } catch (err) {
      if (err instanceof DataError) throw err;
      throw unreadable(sourceName, err, `${where}, column "${p.name}"`);
    }
  }
  return rows;
}

const asTable = (plans: Plan[], outs: Out[], rows: number): Table => ({ rows, columns: plans.map((p, c) => ({ name: p.name, kind: p.kind, values: outs[c] }) as Column) });

/** Reads exactly the footer (two small reads: its length, then the metadata) and parses it. */
async function readFooter(file: AsyncBuffer): Promise<{ metadata: FileMetaData; footer: Uint8Array }> {
  const size = file.byteLength;
  if (size < 12) throw new Error(`${size} bytes is too short for Parquet`);
  const tail = new DataView(await file.slice(size - 8, size));
  if (tail.getUint32(4, true) !== 0x31524150) throw new Error('the file does not end with the Parquet magic "PAR1"');
  const length = tail.getUint32(0, true);
  if (length + 8 > size - 4) throw new Error(`footer length ${length} exceeds the file size ${size}`);
  const buffer = await file.slice(size - length - 8, size);
  return { metadata: parquetMetadata(buffer, { parsers: PARSERS }), footer: new Uint8Array(buffer) };
}

/** An open Parquet file: its metadata, the table kind of every column, its rows, and a fingerprint of its content. */
export interface OpenParquet {
  file: AsyncBuffer;
  metadata: FileMetaData;
  plans: Plan[];
  /** Each column's schema path (root first), as hyparquet's page decoders take it. */
  paths: SchemaTree[][];
  total: number;
  /** The footer (schema, row-group offsets, sizes, statistics) identifies the content: a rewritten file differs. */
  fingerprint: string;
}

/** Reads the footer and plans the columns; a file with no rows, nested columns or no table kind is a DataError. */
export async function openParquet(source: string | AsyncBuffer, sourceName: string): Promise<OpenParquet> {
  const file = typeof source === 'string' ? await asyncBufferFromFile(source) : source;
  let metadata: FileMetaData;
  let footer: Uint8Array;
  try {
    ({ metadata, footer } = await readFooter(file));
  } catch (err) {
    throw unreadable(sourceName, err);
  }
  const tree = parquetSchema(metadata);
  const plans = tree.children.map((child) => {
    if (child.children.length > 0 || child.element.repetition_type === 'REPEATED') {
      throw new DataError(`${sourceName}: column "${child.element.name}" is nested (a list, map or struct); only flat columns can be read`, {
        source: sourceName,
        column: child.element.name,
      });
    }
    return planColumn(child.element, sourceName);
  });
  const total = Number(metadata.num_rows);
  if (plans.length === 0 || total === 0) {
    throw new DataError(`${sourceName}: the Parquet file holds no rows (columns: ${plans.map((p) => p.name).join(', ') || 'none'})`, {
      source: sourceName,
      problem: 'no rows',
    });
  }
  const fingerprint = `parquet:${file.byteLength}:${total}:${createHash('sha256').update(footer).digest('hex')}`;
  return { file, metadata, plans, paths: tree.children.map((child) => [tree, child]), total, fingerprint };
}

/** Rows start..end of an open file (any range: row groups are read as far as they overlap it). */
export function readParquetRows(open: OpenParquet, start: number, end: number, sourceName: string): Promise<Table> {
  return readRows(open.file, open.metadata, open.plans, start, end, ` at rows ${start + 1}-${end}`, sourceName);
}

/** Reads a Parquet file (a path or an AsyncBuffer) one row group at a time; with a checkpoint, resumes after the last stored group. */
export async function readParquet(source: string | AsyncBuffer, sourceName: string, options: ParquetReadOptions = {}): Promise<Table> {
  const open = await openParquet(source, sourceName);
  const { file, metadata, total, fingerprint } = open;
  const groups = metadata.row_groups;
  const recorder = new ChunkRecorder(options.checkpoint, fingerprint, sourceName);
  const first = await recorder.resume();
  let start = 0;
  for (let g = 0; g < first; g++) start += Number(groups[g].num_rows);
  let bytes = 0;
  // Without a checkpoint the groups are decoded straight into the whole table's columns (no parts to stack).
  const whole = options.checkpoint ? null : allocate(open.plans, total);
  for (let g = first; g < groups.length; g++) {
    const where = ` at row group ${g + 1} of ${groups.length}`;
    const rows = Number(groups[g].num_rows);
    if (whole && start + rows > total) throw unreadable(sourceName, `the row groups hold more rows than the footer's ${total}`, '');
    if (whole) await readGroup(open, g, start, whole, start, where, sourceName);
    else {
      const outs = allocate(open.plans, rows);
      await readGroup(open, g, start, outs, 0, where, sourceName);
      await recorder.add(asTable(open.plans, outs, rows), g + 1);
    }
    start += rows;
    bytes += Number(groups[g].total_compressed_size ?? 0);
    const detail = `row group ${g + 1} of ${groups.length} (${start} of ${total} rows)`;
    options.onProgress?.({ rows: start, bytes, totalBytes: file.byteLength, detail });
  }
  if (whole) {
    if (start !== total) throw unreadable(sourceName, `the row groups hold ${start} rows, the footer says ${total}`, '');
    return asTable(open.plans, whole, total);
  }
  return recorder.table();
}
