// Batch scoring on tables: the model's inputs checked against a table's columns, rows as instances, answers as columns.
import type { Column, ColumnKind, Table } from '../data/table.js';
import type { InputField } from '../report/modelCard.js';
import type { OnnxOutputs, OnnxTask } from './runtime.js';

/** The columns a scored table gains: the label and one probability per class, or the value. */
export function predictionColumnNames(task: OnnxTask, classes: readonly string[]): string[] {
  return task === 'regression' ? ['predicted_value'] : ['predicted_label', ...classes.map((c) => `probability_${c}`)];
}

/**
 * Every problem between a model's inputs and a table's columns, for one message: a missing input column, a column of
 * the wrong kind, a prediction column the table has already. Empty when the table can be scored.
 */
export function scoringProblems(table: { columns: readonly { name: string; kind: ColumnKind }[] }, inputs: readonly InputField[], predictionColumns: readonly string[]): string[] {
  const kinds = new Map(table.columns.map((c) => [c.name, c.kind]));
  const problems: string[] = [];
  const missing = inputs.filter((i) => !kinds.has(i.name)).map((i) => `"${i.name}"`);
  if (missing.length) problems.push(`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that the model takes as input`);
  for (const input of inputs) {
    const kind = kinds.get(input.name);
    if (kind && kind !== input.kind) problems.push(`column "${input.name}" is ${kind}, the model takes it as ${input.kind}`);
  }
  const clash = predictionColumns.filter((n) => kinds.has(n)).map((n) => `"${n}"`);
  if (clash.length) problems.push(`the data already has column${clash.length > 1 ? 's' : ''} ${clash.join(', ')}, which scoring would add`);
  return problems;
}

/** Rows start..end of a table as instances with the model's inputs (missing values as null, as the serving API takes them). */
export function instancesOf(table: Table, inputs: readonly InputField[], start: number, end: number): Record<string, unknown>[] {
  const columns = inputs.map((i) => {
    const c = table.columns.find((col) => col.name === i.name);
    if (!c) throw new Error(`column "${i.name}" not found`);
    return c;
  });
  const out: Record<string, unknown>[] = new Array(end - start);
  for (let r = start; r < end; r++) {
    const record: Record<string, unknown> = {};
    for (const c of columns) {
      const v = c.values[r];
      record[c.name] = typeof v === 'number' && Number.isNaN(v) ? null : v;
    }
    out[r - start] = record;
  }
  return out;
}

/** The model's answers as columns (named by predictionColumnNames), in row order. */
export function predictionColumns(outputs: OnnxOutputs, classes: readonly string[]): Column[] {
  if (outputs.task === 'regression') return [{ name: 'predicted_value', kind: 'numeric', values: Float64Array.from(outputs.values) }];
  const { labels, probabilities, classes: k } = outputs;
  if (k !== classes.length) throw new Error(`the model answers ${k} probabilities per row, its card names ${classes.length} classes`);
  const rows = labels.length;
  const columns: Column[] = [{ name: 'predicted_label', kind: 'categorical', values: labels.slice() }];
  classes.forEach((cls, j) => {
    const values = new Float64Array(rows);
    for (let r = 0; r < rows; r++) values[r] = probabilities[r * k + j];
    columns.push({ name: `probability_${cls}`, kind: 'numeric', values });
  });
  return columns;
}

/** Rows start..end of a table (columns copied). */
export function sliceRows(table: Table, start: number, end: number): Table {
  const columns = table.columns.map((c) => ({ ...c, values: c.values.slice(start, end) }) as Column);
  return { rows: end - start, columns };
}
