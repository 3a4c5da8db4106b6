// Test helper: one column's DriftColumnInput (and exact sides) as the suite builds it, from raw samples or bin counts.
import { readFileSync } from 'node:fs';
import { buildDriftProfile, type NumericDriftColumn } from '../../lib/stats/driftProfile.js';
import { cellCountsOfSorted, groupCounts } from '../../lib/stats/driftCells.js';
import { ksAndWasserstein } from '../../lib/stats/exactWalk.js';
import { sortedFinite } from '../../lib/stats/radixSort.js';
import type { DriftColumnInput, ExactSides } from '../../lib/stats/drift/index.js';

export interface ScipyFixture {
  numeric: {
    seedA: number; seedB: number; nA: number; nB: number; scale: number; shift: number; levels: number;
    ks: { statistic: number; pValue: number }; wassersteinNormalized: number;
    chiSquare?: { statistic: number; df: number; pValue: number }; jensenShannon?: number;
  }[];
  counts: { reference: number[]; current: number[]; chiSquare: { statistic: number; df: number; pValue: number }; jensenShannon: number }[];
}
/** scipy's values (test/fixtures/python/make_drift_fixture.py). */
export const scipyFixture = JSON.parse(readFileSync(new URL('../fixtures/drift-scipy.json', import.meta.url), 'utf8')) as ScipyFixture;

/** The fixture script's samples: Park–Miller uniforms, scaled and shifted, or floored to a few integers. */
export function fixtureSample(seed: number, n: number, scale: number, shift: number, levels: number): Float64Array {
  const out = new Float64Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (16807 * x) % (2 ** 31 - 1);
    const u = x / (2 ** 31 - 1);
    out[i] = levels ? Math.floor(u * levels) + shift : u * scale + shift;
  }
  return out;
}

/** A numeric column of reference `a` and window `b`: the profile's cells and bins, and both sides sorted. */
export function numericInput(a: Float64Array, b: Float64Array): { input: DriftColumnInput; sides: ExactSides; profile: NumericDriftColumn } {
  const profile = buildDriftProfile({ rows: a.length, columns: [{ name: 'x', kind: 'numeric', values: a }] }, { numeric: ['x'], categorical: [] }).columns[0] as NumericDriftColumn;
  const reference = sortedFinite(a);
  const current = sortedFinite(b);
  const cells = cellCountsOfSorted(current, profile.edges);
  const input: DriftColumnInput = {
    kind: 'numeric', bins: { reference: groupCounts(profile.counts, profile.groups), current: groupCounts(cells.counts, profile.groups) },
    cells: { profile, current: cells }, referenceCount: profile.count, currentCount: current.length,
  };
  return { input, sides: { reference, current, walk: () => ksAndWasserstein(reference, current) }, profile };
}

/** A categorical column given as counts on the same categories. */
export function categoricalInput(reference: number[], current: number[]): DriftColumnInput {
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  return { kind: 'categorical', bins: { reference, current }, cells: null, referenceCount: sum(reference), currentCount: sum(current) };
}

export const close = (actual: number, expected: number, tol: number, what: string): void => {
  if (!(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)))) throw new Error(`${what}: ${actual} vs ${expected}`);
};
