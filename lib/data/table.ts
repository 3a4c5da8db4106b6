// The in-memory columnar table every lib/ module works on: typed columns, nulls explicit.

/** Numeric column: NaN marks a missing value. */
export interface NumericColumn {
  name: string;
  kind: 'numeric';
  values: Float64Array;
}

/** Categorical (string) column: null marks a missing value. */
export interface CategoricalColumn {
  name: string;
  kind: 'categorical';
  values: (string | null)[];
}

/** Date column: epoch milliseconds, NaN marks a missing value. */
export interface DateColumn {
  name: string;
  kind: 'date';
  values: Float64Array;
}

export type Column = NumericColumn | CategoricalColumn | DateColumn;
export type ColumnKind = Column['kind'];

export interface Table {
  rows: number;
  columns: Column[];
}

/** A raw record as it arrives in a request or a JSON source. */
export type RawValue = string | number | boolean | null;
export type RawRecord = Record<string, RawValue>;

export function column(table: Table, name: string): Column {
  const found = table.columns.find((c) => c.name === name);
  if (!found) throw new Error(`column "${name}" not found (have: ${table.columns.map((c) => c.name).join(', ')})`);
  return found;
}

export function numericColumn(table: Table, name: string): NumericColumn {
  const c = column(table, name);
  if (c.kind !== 'numeric') throw new Error(`column "${name}" is ${c.kind}, expected numeric`);
  return c;
}

export function categoricalColumn(table: Table, name: string): CategoricalColumn {
  const c = column(table, name);
  if (c.kind !== 'categorical') throw new Error(`column "${name}" is ${c.kind}, expected categorical`);
  return c;
}

/** Rows at the given indices, as a new table (columns copied). */
export function takeRows(table: Table, indices: ArrayLike<number>): Table {
  const n = indices.length;
  const columns: Column[] = table.columns.map((c) => {
    if (c.kind === 'categorical') {
      const values: (string | null)[] = new Array(n);
      for (let i = 0; i < n; i++) values[i] = c.values[indices[i]];
      return { name: c.name, kind: 'categorical', values };
    }
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = c.values[indices[i]];
    return { name: c.name, kind: c.kind, values } as Column;
  });
  return { rows: n, columns };
}
