// Training side: analyzers learn from the training rows and every transform is computed with arquero; the fitted state is plain JSON.
import { table as aqTable, type ColumnTable } from 'arquero';
import { column, type Column, type Table } from '../data/table.js';
import { ANALYZERS, numberLiteral, type Stats } from './analyzers.js';
import { planTransforms, type PlannedTransform } from './plan.js';
import { REGISTRY } from './registry.js';
import type { TransformDeclaration } from './schema.js';
import { columnsRead, TransformError, type Expr, type ValueType } from './types.js';

/** One transform as trained: its declaration, tree, types, learned statistics and output columns. */
export interface FittedTransform {
  decl: TransformDeclaration;
  expr?: Expr;
  analyzer?: { name: keyof typeof ANALYZERS; column: string };
  input?: ValueType;
  computed?: ValueType;
  result: ValueType;
  stats?: Stats;
  outputs: { name: string; type: ValueType }[];
}

export interface FittedTransforms {
  /** What computed them in training (the card names it). */
  engine: string;
  /** The raw columns the transforms read, with their types: inputs of the served graph. */
  inputs: { name: string; type: ValueType }[];
  transforms: FittedTransform[];
}

export const ENGINE = 'arquero 8.0.3';

const KIND_TYPE: Record<Column['kind'], ValueType> = { numeric: 'number', categorical: 'string', date: 'date' };

/** The table's column types, as transforms see them. */
export function columnTypes(table: Table): Map<string, ValueType> {
  return new Map(table.columns.map((c) => [c.name, KIND_TYPE[c.kind]]));
}

/** arquero columns under the serving contract: numbers keep NaN, strings use "" for missing, dates are Date objects. */
function arqueroInputs(table: Table, names: readonly string[]): ColumnTable {
  const columns: Record<string, unknown[]> = {};
  for (const name of names) {
    const c = column(table, name);
    if (c.kind === 'categorical') columns[name] = c.values.map((v) => v ?? '');
    else if (c.kind === 'numeric') columns[name] = Array.from(c.values);
    else columns[name] = Array.from(c.values, (v) => new Date(v));
  }
  return aqTable(columns);
}

/** The arquero expression of a tree. */
export function arqueroExpr(e: Expr): string {
  if (e.t === 'num') return numberLiteral(e.v);
  if (e.t === 'str') return JSON.stringify(e.v);
  if (e.t === 'col') return `d[${JSON.stringify(e.name)}]`;
  return REGISTRY[e.fn].arquero(e.args.map(arqueroExpr));
}

/** Derives one transform's outputs; numbers are rounded to float32, as the model receives them in serving. */
function derive(t: ColumnTable, f: FittedTransform): ColumnTable {
  const x = `d[${JSON.stringify(f.analyzer?.column ?? '')}]`;
  const bodies = f.expr ? [f.computed === 'bool' ? `(${arqueroExpr(f.expr)} ? 1 : 0)` : arqueroExpr(f.expr)] : ANALYZERS[f.analyzer!.name].arquero(x, f.stats as Stats, f.decl);
  const derived: Record<string, string> = {};
  f.outputs.forEach((o, i) => (derived[o.name] = o.type === 'number' ? `d => op.fround(${bodies[i]})` : `d => ${bodies[i]}`));
  return t.derive(derived);
}

function rawInputs(planned: PlannedTransform[], types: ReadonlyMap<string, ValueType>): { name: string; type: ValueType }[] {
  const derived = new Set(planned.map((p) => p.decl.name));
  const names = [...new Set(planned.flatMap((p) => p.reads))].filter((n) => !derived.has(n));
  return names.map((name) => ({ name, type: types.get(name) as ValueType }));
}

/** Learns every analyzer's statistics on the training rows (in order, so an analyzer may read an earlier transform). */
export function fitTransforms(decls: readonly TransformDeclaration[], train: Table): FittedTransforms {
  const types = columnTypes(train);
  const planned = planTransforms(decls, types);
  const inputs = rawInputs(planned, types);
  let t = arqueroInputs(train, inputs.map((i) => i.name));
  const transforms: FittedTransform[] = [];
  for (const p of planned) {
    let stats: Stats | undefined;
    if (p.analyzer) {
      try {
        stats = ANALYZERS[p.analyzer.name].fit(t, p.analyzer.column, p.decl, p.input as ValueType);
      } catch (err) {
        if (err instanceof TransformError) throw new TransformError(`transforms "${p.decl.name}": ${err.message}`);
        throw err;
      }
    }
    const outputs = p.analyzer ? ANALYZERS[p.analyzer.name].outputs(p.decl, p.input as ValueType, stats) : [{ name: p.decl.name, type: p.result }];
    const f: FittedTransform = { decl: p.decl, expr: p.expr, analyzer: p.analyzer, input: p.input, computed: p.computed, result: p.result, stats, outputs };
    t = derive(t, f);
    transforms.push(f);
  }
  return { engine: ENGINE, inputs, transforms };
}

/** The table with every derived column added (computed with arquero); numbers NaN when missing, strings null. */
export function applyTransforms(fitted: FittedTransforms, table: Table): Table {
  let t = arqueroInputs(table, fitted.inputs.map((i) => i.name));
  for (const f of fitted.transforms) t = derive(t, f);
  const added: Column[] = fitted.transforms.flatMap((f) =>
    f.outputs.map((o): Column => {
      const values = t.array(o.name) as ArrayLike<unknown>;
      return o.type === 'string'
        ? { name: o.name, kind: 'categorical', values: Array.from(values, (v) => (v === '' || v == null ? null : String(v))) }
        : { name: o.name, kind: 'numeric', values: Float64Array.from(values as ArrayLike<number>) };
    }),
  );
  const replaced = new Set(added.map((c) => c.name));
  return { rows: table.rows, columns: [...table.columns.filter((c) => !replaced.has(c.name)), ...added] };
}

/** Every derived column's name, in order (one-hot vocabularies give several). */
export function derivedColumns(fitted: FittedTransforms): { name: string; type: ValueType }[] {
  return fitted.transforms.flatMap((f) => f.outputs);
}

/** Only the transforms `wanted` columns need (directly or through later transforms), with the raw inputs they read. */
export function pruneTransforms(fitted: FittedTransforms, wanted: readonly string[]): FittedTransforms {
  const need = new Set(wanted);
  const kept: FittedTransform[] = [];
  for (const f of [...fitted.transforms].reverse()) {
    if (!f.outputs.some((o) => need.has(o.name))) continue;
    kept.unshift(f);
    for (const name of f.expr ? columnsRead(f.expr) : [f.analyzer!.column]) need.add(name);
  }
  return { engine: fitted.engine, inputs: fitted.inputs.filter((i) => need.has(i.name)), transforms: kept };
}
