// Data sources: one entry point that reads a file (CSV/TSV, JSON lines, JSON, Parquet, Arrow) or a Postgres query.
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import type { ColumnKind, Table } from '../table.js';
import { DataError } from '../errors.js';
import { readArrowFile } from './arrow.js';
import type { IngestCheckpoint, ReadProgress } from './checkpoint.js';
import { readCsvFile } from './csv.js';
import { readJsonArray, readJsonLines } from './json.js';
import { readParquet } from './parquet.js';
import { describePostgres, readPostgres } from './postgres.js';

export type FileFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet' | 'arrow';

export type SourceSpec =
  | {
      kind: 'file';
      path: string;
      /** Taken from the extension when absent. */
      format?: FileFormat;
      /** CSV/TSV field delimiter (default ',' for csv, tab for tsv). */
      delimiter?: string;
    }
  | { kind: 'postgres'; connectionString: string; query: string; chunkRows?: number };

export interface ReadSourceOptions {
  /** Called after each chunk (a 1 MiB read, a row group, a cursor read). */
  onProgress?: (p: ReadProgress) => void;
  /** Lets Parquet and Postgres reads resume after a crash (see README.md). */
  checkpoint?: IngestCheckpoint;
  /** CSV/JSON: force these columns to a kind instead of inferring it. */
  kinds?: Record<string, ColumnKind>;
  /** CSV/JSON: a mostly-numeric (or mostly-date) column holding some other values is an 'error' (default) or 'categorical'. */
  mixedTypes?: 'error' | 'categorical';
}

export type { ChunkCheckpoint, IngestCheckpoint, PartStore, ReadProgress } from './checkpoint.js';
export { concatTables, memoryCheckpoint, storeCheckpoint } from './checkpoint.js';
export { parseCsv, type CsvOptions } from './csv.js';
export { redactConnectionString } from './postgres.js';

const EXTENSIONS: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.arrow': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
  '.arrows': 'arrow',
};

/** The format a file path names by its extension (.txt is delimited text: tab if its first line has one). */
export function formatOf(path: string): FileFormat | 'txt' {
  const ext = extname(path).toLowerCase();
  if (ext === '.txt') return 'txt';
  const format = EXTENSIONS[ext];
  if (!format) {
    throw new DataError(
      `${path}: unknown file extension "${ext || '(none)'}"; name the format (csv, tsv, jsonl, json, parquet, arrow) ` +
        `or use one of ${[...Object.keys(EXTENSIONS), '.txt'].join(' ')}`,
      { source: path, extension: ext, problem: 'unknown format' },
    );
  }
  return format;
}

/** A human-readable name for the source, with no secret in it. */
export function describeSource(spec: SourceSpec): string {
  return spec.kind === 'file' ? `file:${spec.path}` : describePostgres(spec);
}

async function firstLine(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8').split('\n')[0];
  } finally {
    await handle.close();
  }
}

/** Reads a source into a typed Table; every problem with the input is a DataError that names it. */
export async function readSource(spec: SourceSpec, options: ReadSourceOptions = {}): Promise<Table> {
  const { onProgress, checkpoint, kinds, mixedTypes = 'error' } = options;
  if (spec.kind === 'postgres') return readPostgres(spec, { onProgress, checkpoint });
  const { path } = spec;
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new DataError(`${path}: cannot read the file: ${why}`, { source: path, code: err.code });
  });
  if (!info.isFile()) throw new DataError(`${path}: not a file`, { source: path });
  if (info.size === 0) throw new DataError(`${path}: empty file (0 bytes)`, { source: path, problem: 'empty file' });
  const withTotal = onProgress && ((p: ReadProgress) => onProgress({ ...p, totalBytes: info.size }));
  let format = spec.format ?? formatOf(path);
  let delimiter = spec.delimiter;
  if (format === 'txt') {
    format = 'tsv';
    if (!delimiter && !(await firstLine(path)).includes('\t')) delimiter = ',';
  }
  const typing = { kinds, mixedTypes };
  switch (format) {
    case 'csv':
    case 'tsv':
      return readCsvFile(path, path, {
        ...typing,
        delimiter: delimiter ?? (format === 'tsv' ? '\t' : ','),
        shortRows: 'error',
        onProgress: withTotal,
      });
    case 'jsonl':
      return readJsonLines(path, path, { ...typing, onProgress: withTotal });
    case 'json':
      return readJsonArray(path, path, { ...typing, onProgress: withTotal });
    case 'parquet':
      return readParquet(path, path, { onProgress, checkpoint });
    case 'arrow':
      return readArrowFile(path, path, { onProgress });
    default:
      throw new DataError(`${path}: unknown format "${String(format)}"`, { source: path, problem: 'unknown format' });
  }
}
