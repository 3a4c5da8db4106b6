// Our columnar Table to and from an arquero table: what user steps see (nulls for missing values, Dates for dates).
import { table as aqTable, type ColumnTable } from 'arquero';
import type { Table } from '../data/table.js';
import { tableFromColumns } from '../data/typing.js';

export function toArquero(t: Table): ColumnTable {
  const columns: Record<string, unknown[]> = {};
  for (const c of t.columns) {
    if (c.kind === 'categorical') columns[c.name] = c.values;
    else if (c.kind === 'numeric') columns[c.name] = Array.from(c.values, (v) => (Number.isNaN(v) ? null : v));
    else columns[c.name] = Array.from(c.values, (v) => (Number.isNaN(v) ? null : new Date(v)));
  }
  return aqTable(columns);
}

/** Kinds are inferred as for any source (numbers, ISO dates or Date objects, text); a bad column throws DataError. */
export function fromArquero(t: ColumnTable, sourceName: string): Table {
  return tableFromColumns(
    t.columnNames().map((name) => ({ name, values: t.array(name) as ArrayLike<unknown> })),
    sourceName,
  );
}
