// THE table of what an expression may use: each operator and function with its types, its arquero form (training) and its ONNX nodes (serving).
import { datePart, type DatePart } from './dateParts.js';
import type { GraphBuilder } from './graphBuilder.js';
import { lowerOnnx, SPACE, trimOnnx } from './strings.js';
import type { ValueType } from './types.js';

export interface Signature {
  args: ValueType[];
  result: ValueType;
}

export interface RegistryEntry {
  kind: 'operator' | 'function';
  signatures: Signature[];
  /** Argument positions that must be number literals (Clip takes its bounds as scalars). */
  literal?: number[];
  /** How it compiles, for the README and the card. */
  onnxOps: string;
  /** The arquero table expression over already-formed argument expressions. */
  arquero: (a: string[]) => string;
  /** Nodes computing it from the argument values; returns the result value. */
  onnx: (g: GraphBuilder, a: string[]) => string;
  /** An expression over the parity test's columns (x, y: numbers; s: string; d: date) that uses this entry. */
  example: string;
}

const num2: Signature[] = [{ args: ['number', 'number'], result: 'number' }];
const num1: Signature[] = [{ args: ['number'], result: 'number' }];
const cmp: Signature[] = [{ args: ['number', 'number'], result: 'bool' }];
const bool2: Signature[] = [{ args: ['bool', 'bool'], result: 'bool' }];
const str1: Signature[] = [{ args: ['string'], result: 'string' }];
const date1: Signature[] = [{ args: ['date'], result: 'number' }];

function binary(symbol: string, opType: string, signatures: Signature[], example: string): RegistryEntry {
  return { kind: 'operator', signatures, onnxOps: opType, arquero: ([a, b]) => `(${a} ${symbol} ${b})`, onnx: (g, [a, b]) => g.op(opType, [a, b]), example };
}

function math(name: string, opType: string, example: string): RegistryEntry {
  return { kind: 'function', signatures: num1, onnxOps: opType, arquero: ([a]) => `op.${name}(${a})`, onnx: (g, [a]) => g.op(opType, [a]), example };
}

/** arquero's UTC date parts; month is 1–12 here (JavaScript's is 0–11). */
function part(name: DatePart, arquero: (a: string) => string, onnxOps: string, example: string): RegistryEntry {
  return { kind: 'function', signatures: date1, onnxOps, arquero: ([a]) => arquero(a), onnx: (g, [a]) => datePart(g, a, name), example };
}

export const REGISTRY: Record<string, RegistryEntry> = {
  '+': binary('+', 'Add', num2, 'x + y'),
  '-': binary('-', 'Sub', num2, 'x - y'),
  '*': binary('*', 'Mul', num2, 'x * y'),
  '/': binary('/', 'Div', num2, 'x / y'),
  neg: { kind: 'operator', signatures: num1, onnxOps: 'Neg', arquero: ([a]) => `(-${a})`, onnx: (g, [a]) => g.op('Neg', [a]), example: '-(x * 2)' },
  '<': binary('<', 'Less', cmp, 'x < y ? 1 : 0'),
  '<=': binary('<=', 'LessOrEqual', cmp, 'x <= 0.5 ? 1 : 0'),
  '>': binary('>', 'Greater', cmp, 'x > y ? x : y'),
  '>=': binary('>=', 'GreaterOrEqual', cmp, 'x >= 0 ? 1 : 0'),
  '==': binary('===', 'Equal', cmp, 'x == y ? 1 : 0'),
  '!=': { kind: 'operator', signatures: cmp, onnxOps: 'Equal → Not', arquero: ([a, b]) => `(${a} !== ${b})`, onnx: (g, [a, b]) => g.op('Not', [g.op('Equal', [a, b])]), example: 'x != 1 ? 1 : 0' },
  '&&': binary('&&', 'And', bool2, 'x > 0 && y > 0 ? 1 : 0'),
  '||': binary('||', 'Or', bool2, 'x > 0 || y > 0 ? 1 : 0'),
  '!': { kind: 'operator', signatures: [{ args: ['bool'], result: 'bool' }], onnxOps: 'Not', arquero: ([a]) => `(!${a})`, onnx: (g, [a]) => g.op('Not', [a]), example: '!(x > 0) ? 1 : 0' },
  '?:': {
    kind: 'operator',
    signatures: [{ args: ['bool', 'number', 'number'], result: 'number' }, { args: ['bool', 'string', 'string'], result: 'string' }],
    onnxOps: 'Where',
    arquero: ([c, a, b]) => `(${c} ? ${a} : ${b})`,
    onnx: (g, [c, a, b]) => g.op('Where', [c, a, b]),
    example: 'x > 1 ? trim(s) : "low"',
  },
  log: math('log', 'Log', 'log(x + 1)'),
  exp: math('exp', 'Exp', 'exp(x)'),
  sqrt: math('sqrt', 'Sqrt', 'sqrt(y)'),
  abs: math('abs', 'Abs', 'abs(x - y)'),
  clip: {
    kind: 'function',
    signatures: [{ args: ['number', 'number', 'number'], result: 'number' }],
    literal: [1, 2],
    onnxOps: 'Clip (bounds as scalars)',
    arquero: ([x, lo, hi]) => `op.least(op.greatest(${x}, ${lo}), ${hi})`,
    onnx: (g, [x, lo, hi]) => g.op('Clip', [x, lo, hi]),
    example: 'clip(x, -1, 2.5)',
  },
  year: part('year', (a) => `op.utcyear(${a})`, 'Tokenizer (com.microsoft) → Cast → Pad → Gather', 'year(d)'),
  month: part('month', (a) => `(op.utcmonth(${a}) + 1)`, 'Tokenizer (com.microsoft) → Cast → Pad → Gather', 'month(d)'),
  day: part('day', (a) => `op.utcdate(${a})`, 'Tokenizer (com.microsoft) → Cast → Pad → Gather', 'day(d)'),
  hour: part('hour', (a) => `op.utchours(${a})`, 'Tokenizer (com.microsoft) → Cast → Pad → Gather, Where (no time → 0)', 'hour(d)'),
  dayofweek: part('dayofweek', (a) => `op.utcdayofweek(${a})`, 'the calendar parts → days since 1970 by Floor/Div/Mul arithmetic', 'dayofweek(d)'),
  lower: { kind: 'function', signatures: str1, onnxOps: 'StringNormalizer LOWER (locale C.UTF-8) on [1, N]', arquero: ([a]) => `op.lower(${a})`, onnx: (g, [a]) => lowerOnnx(g, a), example: 'lower(s)' },
  trim: {
    kind: 'function',
    signatures: str1,
    onnxOps: 'Tokenizer (com.microsoft, one token from first to last non-space) → Gather, LabelEncoder/Where',
    arquero: ([a]) => `op.replace(${a}, /^[${SPACE}]+|[${SPACE}]+$/g, '')`,
    onnx: (g, [a]) => trimOnnx(g, a),
    example: 'trim(s)',
  },
};

export const SUPPORTED_OPERATORS = Object.keys(REGISTRY).filter((k) => REGISTRY[k].kind === 'operator');
export const SUPPORTED_FUNCTIONS = Object.keys(REGISTRY).filter((k) => REGISTRY[k].kind === 'function');
