// The value types transforms compute with, their parsed expression trees, and the error every refusal throws.

/** number: float NaN = missing (double inside the graph); string: "" = missing; bool: a comparison; date: a raw ISO date column. */
export type ValueType = 'number' | 'string' | 'bool' | 'date';

export type Expr =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'col'; name: string }
  | { t: 'call'; fn: string; args: Expr[] };

export class TransformError extends Error {
  override name = 'TransformError';
}

/** Columns an expression reads, in first-read order. */
export function columnsRead(e: Expr, out: string[] = []): string[] {
  if (e.t === 'col' && !out.includes(e.name)) out.push(e.name);
  if (e.t === 'call') for (const a of e.args) columnsRead(a, out);
  return out;
}

/** Registry entries an expression uses. */
export function entriesUsed(e: Expr, out = new Set<string>()): Set<string> {
  if (e.t === 'call') {
    out.add(e.fn);
    for (const a of e.args) entriesUsed(a, out);
  }
  return out;
}

/** A one-hot vocabulary's column `i`, or its out-of-vocabulary one: name_0 … name_oov. */
export const onehotColumn = (name: string, i: number | 'oov'): string => `${name}_${i}`;

/** Whether `column` is one of the one-hot columns of the transform `name`. */
export function isOnehotColumn(column: string, name: string): boolean {
  return column.startsWith(`${name}_`) && /^(\d+|oov)$/.test(column.slice(name.length + 1));
}
