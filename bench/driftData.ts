// The drift bench's data sets: 'mixed' (normal, rounded, lognormal + categorical; two columns shifted 0.3 sd), 'tied' (whole numbers and heavy ties, as in flight records), 'still' (mixed, nothing shifted).
import type { Column, Table } from '../lib/data/table.js';

export const NUMERIC = 20;
export const CATEGORICAL = 5;
/** 'still': the mixed columns with no shift at all (no column drifts), only with --data still. */
export type DataSetName = 'mixed' | 'tied' | 'still';
export const DATA_SETS: readonly DataSetName[] = ['mixed', 'tied'];
export const ALL_DATA_SETS: readonly DataSetName[] = ['mixed', 'tied', 'still'];

function generator(seed: number) {
  let x = seed;
  const next = () => (x = (16807 * x) % (2 ** 31 - 1)) / (2 ** 31 - 1);
  const normal = () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  const poisson = (mean: number) => {
    let k = 0;
    let p = Math.exp(-mean);
    let c = p;
    const u = next();
    while (u > c && k < 1000) {
      k++;
      p *= mean / k;
      c += p;
    }
    return k;
  };
  return { next, normal, poisson };
}

/** Column j's value: the first two columns drift (`drift`), the rest shift by `shift` (the sample-size trap). */
function mixedValue(g: ReturnType<typeof generator>, j: number, s: number): number {
  const z = g.normal() + s;
  return j % 4 === 3 ? Math.exp(z) : j % 4 === 2 ? Math.round(z * 100) / 100 : z; // lognormal, rounded (ties), normal
}

/** Whole numbers and heavy ties: delay minutes, counts, distances, zero-inflated amounts, clock times by the minute. */
function tiedValue(g: ReturnType<typeof generator>, j: number, s: number): number {
  switch (j % 5) {
    case 0: return Math.round((g.normal() + s) * 30 + 5);
    case 1: return g.poisson(2 + (j % 4) + s * 2);
    case 2: return Math.round(Math.exp(g.normal() * 0.6 + 6.5 + s * 0.6));
    case 3: return g.next() < 0.6 - s / 10 ? 0 : Math.round(Math.exp(g.normal() + 3 + s));
    default: return Math.floor(((g.next() + s / 10) % 1) * 1440) / 60;
  }
}

/** A side of a data set: 20 numeric columns (+ 5 categorical for 'mixed'). */
export function dataSet(name: DataSetName, rows: number, seed: number, shift: number, drift: number): Table {
  if (name === 'still') return dataSet('mixed', rows, seed, 0, 0);
  const g = generator(seed);
  const columns: Column[] = [];
  for (let j = 0; j < NUMERIC; j++) {
    const values = new Float64Array(rows);
    const s = j < 2 ? drift + shift : shift;
    for (let i = 0; i < rows; i++) values[i] = name === 'mixed' ? mixedValue(g, j, s) : tiedValue(g, j, s);
    columns.push({ name: `n${j}`, kind: 'numeric', values });
  }
  if (name === 'mixed') {
    for (let j = 0; j < CATEGORICAL; j++) {
      const k = 3 + 4 * j;
      columns.push({ name: `c${j}`, kind: 'categorical', values: Array.from({ length: rows }, () => `v${Math.floor(g.next() ** (1 + shift) * k)}`) });
    }
  }
  return { rows, columns };
}
