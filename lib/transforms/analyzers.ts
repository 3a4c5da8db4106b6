// THE table of analyzers: what each learns from the training rows (arquero), and how it is applied in arquero and compiled to ONNX.
import { op, type ColumnTable } from 'arquero';
import { attr } from '../onnx/model.js';
import { ML_DOMAIN, type GraphBuilder } from './graphBuilder.js';
import type { TransformDeclaration } from './schema.js';
import { onehotColumn, TransformError, type ValueType } from './types.js';

/** What an analyzer learned: plain JSON, shown on the model card. */
export type Stats = Record<string, number | string | number[] | string[]>;

export interface Analyzer {
  /** The input column's types it accepts. */
  accepts: ValueType[];
  /** Its output columns: names and types (one-hot has one per vocabulary entry plus the out-of-vocabulary one). */
  outputs: (t: TransformDeclaration, input: ValueType, stats?: Stats) => { name: string; type: ValueType }[];
  fit: (table: ColumnTable, column: string, t: TransformDeclaration, input: ValueType) => Stats;
  /** arquero expressions, one per output, over `x` (the input column's expression). */
  arquero: (x: string, stats: Stats, t: TransformDeclaration) => string[];
  /** ONNX values, one per output. */
  onnx: (g: GraphBuilder, x: string, stats: Stats, t: TransformDeclaration, input: ValueType) => string[];
  onnxOps: string;
  /** A declaration over the parity test's columns (x: numbers; s: strings). */
  example: Omit<TransformDeclaration, 'name'>;
}

/** A number as an arquero (JavaScript) literal. */
export function numberLiteral(v: number): string {
  if (Number.isNaN(v)) return '(0/0)';
  if (!Number.isFinite(v)) return v > 0 ? '(1/0)' : '(-1/0)';
  return v < 0 || Object.is(v, -0) ? `(${v})` : String(v);
}

function rollup(table: ColumnTable, what: Record<string, unknown>): Record<string, unknown> {
  return table.rollup(what as never).objects()[0] as Record<string, unknown>;
}

const finiteOr = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

/** Non-missing values of a string column, counted with arquero, by count (descending) then text. */
function vocabulary(table: ColumnTable, column: string, top?: number): string[] {
  const counts = table
    .params({ c: column })
    .filter('(d, $) => d[$.c] !== "" && d[$.c] != null')
    .groupby(column)
    .count()
    .objects() as Record<string, unknown>[];
  counts.sort((a, b) => (b.count as number) - (a.count as number) || (String(a[column]) < String(b[column]) ? -1 : 1));
  return counts.slice(0, top ?? counts.length).map((r) => String(r[column]));
}

const single = (t: TransformDeclaration, input: ValueType): { name: string; type: ValueType }[] => [{ name: t.name, type: input === 'string' && t.impute !== undefined ? 'string' : 'number' }];

function vocabularyIndex(g: GraphBuilder, x: string, values: string[]): string {
  const codes = g.op('LabelEncoder', [x], { keys_strings: attr.strings(values), values_floats: attr.floats(values.map((_, i) => i)), default_float: attr.float(values.length) }, ML_DOMAIN);
  return g.toDouble(codes);
}

export const ANALYZERS: Record<'standardize' | 'minmax' | 'buckets' | 'vocabulary' | 'impute', Analyzer> = {
  standardize: {
    accepts: ['number'],
    outputs: single,
    fit: (table, c) => {
      const r = rollup(table, { mean: op.mean(c), std: op.stdevp(c) });
      const std = finiteOr(r.std, 1);
      return { mean: finiteOr(r.mean, 0), std: std > 1e-12 ? std : 1 };
    },
    arquero: (x, s) => [`((${x} - ${numberLiteral(s.mean as number)}) / ${numberLiteral(s.std as number)})`],
    onnx: (g, x, s) => [g.op('Div', [g.op('Sub', [x, g.double(s.mean as number)]), g.double(s.std as number)])],
    onnxOps: 'Sub → Div (training mean, population std; std 0 → 1)',
    example: { standardize: 'x' },
  },
  minmax: {
    accepts: ['number'],
    outputs: single,
    fit: (table, c) => {
      const r = rollup(table, { min: op.min(c), max: op.max(c) });
      const min = finiteOr(r.min, 0);
      const range = finiteOr(r.max, min) - min;
      return { min, range: range > 0 && Number.isFinite(range) ? range : 1 };
    },
    arquero: (x, s) => [`((${x} - ${numberLiteral(s.min as number)}) / ${numberLiteral(s.range as number)})`],
    onnx: (g, x, s) => [g.op('Div', [g.op('Sub', [x, g.double(s.min as number)]), g.double(s.range as number)])],
    onnxOps: 'Sub → Div (training min and max − min; a zero range → 1)',
    example: { minmax: 'x' },
  },
  buckets: {
    accepts: ['number'],
    outputs: single,
    fit: (table, c, t) => {
      const q = t.quantiles as number;
      const r = rollup(table, Object.fromEntries(Array.from({ length: q - 1 }, (_, i) => [`q${i}`, op.quantile(c, (i + 1) / q)])));
      const cuts = [...new Set(Object.values(r).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)))].sort((a, b) => a - b);
      return { boundaries: cuts };
    },
    arquero: (x, s) => {
      const cuts = s.boundaries as number[];
      return [`(op.is_nan(${x}) ? (0/0) : (0${cuts.map((b) => ` + (${x} >= ${numberLiteral(b)} ? 1 : 0)`).join('')}))`];
    },
    onnx: (g, x, s) => {
      const cuts = s.boundaries as number[];
      if (cuts.length === 0) return [g.unlessNaN(x, g.double(0), g.double(NaN))];
      const hits = g.toDouble(g.op('GreaterOrEqual', [x, g.double(cuts)]));
      const count = g.op('ReduceSum', [hits, g.int64([1])], { keepdims: attr.int(1) });
      return [g.unlessNaN(x, count, g.double(NaN))];
    },
    onnxOps: 'GreaterOrEqual against the training quantiles [1, k] → Cast → ReduceSum; Where(IsNaN) keeps NaN',
    example: { buckets: 'x', quantiles: 4 },
  },
  vocabulary: {
    accepts: ['string'],
    outputs: (t, _input, stats) =>
      t.encode === 'onehot'
        ? [...((stats?.values as string[] | undefined) ?? []).map((_, i) => ({ name: onehotColumn(t.name, i), type: 'number' as const })), { name: onehotColumn(t.name, 'oov'), type: 'number' as const }]
        : [{ name: t.name, type: 'number' }],
    fit: (table, c, t) => ({ values: vocabulary(table, c, t.top) }),
    arquero: (x, s, t) => {
      const values = s.values as string[];
      const index = `op.indexof(${JSON.stringify(values)}, ${x})`;
      if (t.encode !== 'onehot') return [`(${index} < 0 ? ${values.length} : ${index})`];
      return [...values.map((_, i) => `(${index} === ${i} ? 1 : 0)`), `(${index} < 0 ? 1 : 0)`];
    },
    onnx: (g, x, s, t) => {
      const values = s.values as string[];
      const index = vocabularyIndex(g, x, values);
      if (t.encode !== 'onehot') return [index];
      return [...values.keys(), values.length].map((i) => g.toDouble(g.op('Equal', [index, g.double(i)])));
    },
    onnxOps: 'LabelEncoder (vocabulary → 0 … k−1, unseen and "" → k); onehot: Equal → Cast per column',
    example: { vocabulary: 's', encode: 'onehot', top: 3 },
  },
  impute: {
    accepts: ['number', 'string'],
    outputs: single,
    fit: (table, c, t, input) => {
      const how = t.with as string | number;
      if (input === 'string') {
        if (how === 'mean' || how === 'median' || typeof how === 'number') throw new TransformError(`"${c}" is a string column: impute it with "mode" or a string`);
        const value = how === 'mode' ? vocabulary(table, c, 1)[0] : how;
        if (value === undefined) throw new TransformError(`"${c}" has no values to learn its mode from`);
        return { value };
      }
      if (typeof how === 'string' && !['mean', 'median', 'mode'].includes(how)) throw new TransformError(`"${c}" is a number column: impute it with mean, median, mode or a number`);
      if (typeof how === 'number') return { value: how };
      const r = rollup(table, { v: { mean: op.mean(c), median: op.median(c), mode: op.mode(c) }[how as 'mean'], n: op.valid(c) });
      if (r.n === 0 || typeof r.v !== 'number') throw new TransformError(`"${c}" has no values to learn its ${how} from`);
      return { value: r.v };
    },
    arquero: (x, s) => [typeof s.value === 'string' ? `(${x} === "" ? ${JSON.stringify(s.value)} : ${x})` : `(op.is_nan(${x}) ? ${numberLiteral(s.value as number)} : ${x})`],
    onnx: (g, x, s, _t, input) =>
      input === 'string' ? [g.op('Where', [g.isEmpty(x), g.string(s.value as string), x])] : [g.unlessNaN(x, x, g.double(s.value as number))],
    onnxOps: 'Where(IsNaN) with the learned value; strings: Where(LabelEncoder "" → 1)',
    example: { impute: 'x', with: 'median' },
  },
};

export type AnalyzerName = keyof typeof ANALYZERS;

/** The analyzer a declaration uses and its input column, or null for an expression. */
export function analyzerOf(t: TransformDeclaration): { name: AnalyzerName; column: string } | null {
  for (const name of Object.keys(ANALYZERS) as AnalyzerName[]) {
    const column = t[name];
    if (typeof column === 'string') return { name, column };
  }
  return null;
}

