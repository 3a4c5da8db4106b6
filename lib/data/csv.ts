// CSV text → typed Table: arquero splits the text (header row, quoted fields), our typing decides kinds.
import { fromCSV } from 'arquero';
import type { Table } from './table.js';
import { DataError } from './errors.js';
import { tableFromColumns, type RawColumn, type TypingOptions } from './typing.js';

export interface CsvOptions extends TypingOptions {
  /** Single-character field delimiter (default ','). */
  delimiter?: string;
}

/**
 * Parses CSV text with a header row. Arquero's own type inference is turned off: it looks only at the
 * first 1,000 values and reads date-times without an offset in local time; our rules (lib/data/typing.ts)
 * look at every value. Blank lines are skipped; short rows get missing values for their absent fields.
 * Row numbers in errors count data rows from 1 (the header is not a row).
 */
export function parseCsv(text: string, sourceName: string, options: CsvOptions = {}): Table {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') {
    throw new DataError(`${sourceName}: empty file (no header row)`, { source: sourceName });
  }
  const parsed = fromCSV(body, { autoType: false, delimiter: options.delimiter ?? ',' });
  const names = parsed.columnNames();
  checkHeader(names, sourceName);

  const arrays = names.map((name) => parsed.array(name) as ArrayLike<unknown>);
  const keep = nonBlankRows(arrays, parsed.numRows());
  if (keep.length === 0) {
    throw new DataError(`${sourceName}: header but no data rows (columns: ${names.join(', ')})`, {
      source: sourceName,
      columns: names,
    });
  }
  const columns: RawColumn[] = names.map((name, c) => {
    if (keep.length === arrays[c].length) return { name, values: arrays[c] };
    const values = new Array<unknown>(keep.length);
    for (let i = 0; i < keep.length; i++) values[i] = arrays[c][keep[i]];
    return { name, values };
  });
  return tableFromColumns(columns, sourceName, options);
}

function checkHeader(names: string[], sourceName: string): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  names.forEach((name, i) => {
    if (name.trim() === '') {
      throw new DataError(`${sourceName}: header has an empty column name at position ${i + 1}`, {
        source: sourceName,
        position: i + 1,
      });
    }
    if (seen.has(name)) duplicates.add(name);
    seen.add(name);
  });
  if (duplicates.size > 0) {
    const list = [...duplicates].map((d) => `"${d}"`).join(', ');
    throw new DataError(`${sourceName}: duplicate column name${duplicates.size > 1 ? 's' : ''} ${list} in the header`, {
      source: sourceName,
      duplicates: [...duplicates],
    });
  }
}

/** Indices of rows that are not blank lines (a blank line reads as one empty field, the rest absent). */
function nonBlankRows(arrays: ArrayLike<unknown>[], rows: number): number[] {
  const keep: number[] = [];
  for (let r = 0; r < rows; r++) {
    let blank = arrays[0][r] === null || arrays[0][r] === '';
    for (let c = 1; blank && c < arrays.length; c++) blank = arrays[c][r] === undefined;
    if (!blank) keep.push(r);
  }
  return keep;
}
