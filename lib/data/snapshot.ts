// Table ⇄ Arrow IPC stream bytes (through flechette): the immutable on-disk form of a dataset snapshot.
import {
  Type,
  TimeUnit,
  columnFromArray,
  columnFromValues,
  dictionary,
  float64,
  tableFromColumns as arrowFromColumns,
  tableFromIPC,
  tableToIPC,
  timestamp,
  utf8,
  type Column as ArrowColumn,
  type Table as ArrowTable,
} from '@uwdata/flechette';
import type { Column, Table } from './table.js';
import { DataError } from './errors.js';

/**
 * Encodes a table as an Arrow IPC stream: numeric → Float64, date → Timestamp(ms, UTC),
 * categorical → Dictionary<Utf8>. Missing values (NaN / null) become Arrow nulls. `file` writes the IPC file format
 * (what .arrow files hold), for outputs people open elsewhere.
 */
export function encodeSnapshot(table: Table, format: 'stream' | 'file' = 'stream'): Uint8Array {
  if (table.columns.length === 0) {
    throw new DataError('snapshot: a table needs at least one column to be stored', { rows: table.rows });
  }
  const entries: [string, ArrowColumn<unknown>][] = table.columns.map((c) => {
    if (c.values.length !== table.rows) {
      throw new DataError(`snapshot: column "${c.name}" has ${c.values.length} values, table has ${table.rows} rows`, {
        column: c.name,
      });
    }
    return [c.name, toArrow(c)];
  });
  const bytes = tableToIPC(arrowFromColumns(entries), { format });
  if (!bytes) throw new DataError('snapshot: Arrow encoder returned no bytes');
  return bytes;
}

function toArrow(c: Column): ArrowColumn<unknown> {
  if (c.kind === 'categorical') return columnFromArray(c.values, dictionary(utf8()));
  const type = c.kind === 'numeric' ? float64() : timestamp(TimeUnit.MILLISECOND, 'UTC');
  const values = c.values;
  let missing = false;
  for (let i = 0; i < values.length && !missing; i++) missing = Number.isNaN(values[i]);
  if (!missing && c.kind === 'numeric') return columnFromArray(values, type);
  const date = c.kind === 'date'; // stored at millisecond resolution: a fraction of a millisecond is dropped
  return columnFromValues((visit: (v: number | null) => void) => {
    for (let i = 0; i < values.length; i++) visit(Number.isNaN(values[i]) ? null : date ? Math.floor(values[i]) : values[i]);
  }, type);
}

/**
 * Decodes Arrow IPC bytes (stream or file format) into a table. Besides what encodeSnapshot writes, it
 * reads integer/decimal columns as numeric, Date32/Date64 as date, Utf8 and Bool as categorical.
 */
export function decodeSnapshot(bytes: Uint8Array, sourceName = 'snapshot'): Table {
  let arrow: ArrowTable;
  try {
    arrow = tableFromIPC(bytes);
  } catch (err) {
    throw new DataError(`${sourceName}: not readable as Arrow IPC (${(err as Error).message})`, { source: sourceName });
  }
  return tableFromArrow(arrow, sourceName);
}

/**
 * Converts a decoded Arrow table: Float/Int/Decimal → numeric (64-bit integers beyond 2^53 are a DataError),
 * Timestamp/Date → date (epoch ms, floored), Utf8/Bool/Dictionary → categorical, Null → categorical (all null).
 */
export function tableFromArrow(arrow: ArrowTable, sourceName: string): Table {
  const rows = arrow.numRows;
  const columns: Column[] = arrow.schema.fields.map((field, index) => {
    const typeId = field.type.typeId;
    let values: ArrayLike<unknown>;
    try {
      values = typeId === Type.Null ? new Array<null>(rows).fill(null) : (arrow.getChildAt(index)!.toArray() as ArrayLike<unknown>);
    } catch (err) {
      throw new DataError(`${sourceName}: column "${field.name}" cannot be read: ${(err as Error).message}`, {
        source: sourceName,
        column: field.name,
      });
    }
    switch (typeId) {
      case Type.Float:
      case Type.Int:
      case Type.Decimal:
        return { name: field.name, kind: 'numeric', values: toFloat64(values, rows, false) };
      case Type.Timestamp:
      case Type.Date:
        return { name: field.name, kind: 'date', values: toFloat64(values, rows, true) };
      case Type.Utf8:
      case Type.LargeUtf8:
      case Type.Utf8View:
      case Type.Bool:
      case Type.Dictionary:
      case Type.Null:
        return { name: field.name, kind: 'categorical', values: toStrings(values, rows) };
      default:
        throw new DataError(
          `${sourceName}: column "${field.name}" has Arrow type id ${typeId}, which has no table kind`,
          { source: sourceName, column: field.name, typeId },
        );
    }
  });
  return { rows, columns };
}

function toFloat64(values: ArrayLike<unknown>, rows: number, floor: boolean): Float64Array {
  if (values instanceof Float64Array && !floor) return values.slice();
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? NaN : floor ? Math.floor(Number(v)) : Number(v);
  }
  return out;
}

function toStrings(values: ArrayLike<unknown>, rows: number): (string | null)[] {
  const out: (string | null)[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? null : String(v);
  }
  return out;
}
