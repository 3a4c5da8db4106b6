// Tables back to raw records (dates as ISO strings, missing values as null): what requests and feeds carry.
import type { RawRecord, Table } from './table.js';

export function recordsFromTable(table: Table, columns?: string[]): RawRecord[] {
  const chosen = columns ? table.columns.filter((c) => columns.includes(c.name)) : table.columns;
  const records: RawRecord[] = new Array(table.rows);
  for (let i = 0; i < table.rows; i++) {
    const record: RawRecord = {};
    for (const c of chosen) {
      if (c.kind === 'categorical') record[c.name] = c.values[i];
      else {
        const v = c.values[i];
        record[c.name] = Number.isNaN(v) ? null : c.kind === 'date' ? new Date(v).toISOString().slice(0, 10) : v;
      }
    }
    records[i] = record;
  }
  return records;
}
