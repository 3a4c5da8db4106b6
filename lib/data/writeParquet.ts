// Table → Parquet file, one row group per table written (hyparquet-writer): numbers as DOUBLE, text as STRING, dates as TIMESTAMP.
import { ParquetWriter, fileWriter, schemaFromColumnData, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import type { Column, Table } from './table.js';

function hasNaN(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return true;
  return false;
}

/** A column as the writer takes it; missing values (NaN, null) become Parquet nulls. */
function columnSource(c: Column): ColumnSource {
  if (c.kind === 'categorical') return { name: c.name, data: c.values };
  if (c.kind === 'date') return { name: c.name, data: Array.from(c.values, (v) => (Number.isNaN(v) ? null : new Date(v))) };
  return { name: c.name, data: hasNaN(c.values) ? Array.from(c.values, (v) => (Number.isNaN(v) ? null : v)) : c.values };
}

const TYPES = { numeric: 'DOUBLE', categorical: 'STRING', date: 'TIMESTAMP' } as const;

/** Writes tables with the same columns to one Parquet file, each as its own row group. */
export class ParquetTableWriter {
  private writer: ParquetWriter | null = null;
  private schema: SchemaElement[] = [];
  rows = 0;

  constructor(readonly path: string) {}

  async write(table: Table): Promise<void> {
    if (!this.writer) {
      this.schema = schemaFromColumnData({ columnData: table.columns.map((c) => ({ name: c.name, data: [], type: TYPES[c.kind], nullable: true })) });
      this.writer = new ParquetWriter({ writer: fileWriter(this.path), schema: this.schema, createdBy: 'mlcycle' });
    }
    const expected = this.schema.slice(1).map((e) => e.name).join(',');
    if (table.columns.map((c) => c.name).join(',') !== expected) throw new Error(`${this.path}: a part's columns differ from the first part's (${expected})`);
    await this.writer.write({ columnData: table.columns.map(columnSource), rowGroupSize: Math.max(1, table.rows) });
    this.rows += table.rows;
  }

  async finish(): Promise<void> {
    if (!this.writer) throw new Error(`${this.path}: nothing was written`);
    await this.writer.finish();
  }
}
