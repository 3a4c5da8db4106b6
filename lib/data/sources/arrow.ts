// Arrow IPC files and streams (.arrow, .feather v2, .ipc) → typed Table, through flechette.
import { readFile } from 'node:fs/promises';
import { tableFromIPC, type Table as ArrowTable } from '@uwdata/flechette';
import type { Table } from '../table.js';
import { DataError } from '../errors.js';
import { tableFromArrow } from '../snapshot.js';
import type { ReadProgress } from './checkpoint.js';

export interface ArrowReadOptions {
  onProgress?: (p: ReadProgress) => void;
}

/** Reads Arrow IPC bytes (file or stream format); kinds follow the Arrow types (see tableFromArrow). */
export function parseArrow(bytes: Uint8Array, sourceName: string): Table {
  let arrow: ArrowTable;
  try {
    arrow = tableFromIPC(bytes);
  } catch (err) {
    const head = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
    const hint = head === 'PAR1' ? '; it looks like a Parquet file' : head === 'FEA1' ? '; Feather v1 files are not supported' : '';
    throw new DataError(`${sourceName}: not a readable Arrow IPC file (${(err as Error).message})${hint}`, {
      source: sourceName,
      problem: 'unreadable arrow',
    });
  }
  if (arrow.schema.fields.length === 0 || arrow.numRows === 0) {
    throw new DataError(`${sourceName}: the Arrow file holds no rows (columns: ${arrow.schema.fields.map((f) => f.name).join(', ') || 'none'})`, {
      source: sourceName,
      problem: 'no rows',
    });
  }
  const names = arrow.schema.fields.map((f) => f.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new DataError(`${sourceName}: duplicate column name "${duplicate}"`, { source: sourceName, column: duplicate, problem: 'duplicate column names' });
  }
  return tableFromArrow(arrow, sourceName);
}

export async function readArrowFile(path: string, sourceName: string, options: ArrowReadOptions = {}): Promise<Table> {
  const bytes = await readFile(path);
  const table = parseArrow(bytes, sourceName);
  options.onProgress?.({ rows: table.rows, bytes: bytes.length, totalBytes: bytes.length, detail: `read ${table.rows} rows` });
  return table;
}
