// Generated tables for the validation-equality tests: NaN, ±Infinity, -0, nulls, empty strings, ties, a high-cardinality string column.
import type { Column, Table } from '../../lib/data/table.js';
import type { Expectation } from '../../lib/checks/expectations.js';
import { mulberry32 as rng } from '../../lib/train/cv.js';

/** A table of every column shape the profile treats differently; `shift` moves the numbers and categories (a skewed sample). */
export function tricky(rows: number, seed: number, shift = 0): Table {
  const r = rng(seed);
  const col = (name: string, draw: (i: number) => number, kind: 'numeric' | 'date' = 'numeric'): Column => ({ name, kind, values: Float64Array.from({ length: rows }, (_, i) => draw(i)) });
  const cat = (name: string, draw: (i: number) => string | null): Column => ({ name, kind: 'categorical', values: Array.from({ length: rows }, (_, i) => draw(i)) });
  const colors = ['red', 'green', 'blue', '', 'violet', 'x'.repeat(40), 'réd', 'ünï', shift ? 'teal' : 'red'];
  return {
    rows,
    columns: [
      col('id', (i) => seed * 1e6 + i),
      col('cont', () => (r() < 0.03 ? NaN : r() * 100 + shift)),
      col('inf', () => { const u = r(); return u < 0.01 ? Infinity : u < 0.02 ? -Infinity : u < 0.03 ? -0 : u < 0.05 ? 0 : u < 0.06 ? NaN : (r() - 0.5) * 1e3 + shift; }),
      col('ties', () => (r() < 0.02 ? NaN : Math.floor(r() ** 2 * 50) + shift)),
      col('cents', () => Math.round(r() * 1e4 + shift * 100) / 100),
      col('far', () => 1e12 + r() * 10),
      col('lognormal', () => Math.exp(3 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()))),
      col('spiky', () => (r() < 0.4 ? 7.25 : r() < 0.5 ? -3 : r() * 20)),
      col('const', () => 42),
      col('empty', () => NaN),
      col('when', () => Date.UTC(2024, 0, 1) + Math.floor(r() * 300 + shift) * 86_400_000, 'date'),
      cat('color', () => (r() < 0.05 ? null : colors[Math.floor(r() ** 1.3 * colors.length)])),
      // Equal strings that are different objects (as parsed from a file).
      cat('built', () => (r() < 0.02 ? null : ['a', 'b', 'c', ''][Math.floor(r() * 4)] + String(Math.floor(r() * 5 + shift)))),
      cat('user', () => `user_${Math.floor(r() * rows * 0.8)}`),
      cat('nothing', () => null),
    ],
  };
}

/** Expectations of every kind over the columns of `tricky`. */
export function trickyExpectations(): Expectation[] {
  return [
    { expect: 'rowCount', min: 1 },
    { expect: 'unique', column: 'id' },
    { expect: 'unique', column: 'user' },
    { expect: 'uniqueCombination', columns: ['built', 'ties'] },
    { expect: 'notNull', column: 'cont', maxNullFraction: 0.01 },
    { expect: 'notNull', column: 'color', maxNullFraction: 0.1 },
    { expect: 'range', column: 'inf', min: -400, max: 400 },
    { expect: 'range', column: 'cents', min: 0, max: 100 },
    { expect: 'meanBetween', column: 'far', min: 0, max: 1e13 },
    { expect: 'stdBetween', column: 'lognormal', max: 10 },
    { expect: 'allowedSet', column: 'color', values: ['red', 'green', 'blue', ''] },
    { expect: 'allowedSet', column: 'ties', values: [0, 1, 2, 3, 4, 5] },
    { expect: 'pattern', column: 'built', regex: '^[abc]\\d$' },
    { expect: 'pattern', column: 'user', regex: '^user_\\d+$' },
    { expect: 'type', column: 'when', kind: 'date' },
  ];
}
