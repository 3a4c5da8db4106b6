// Pearson's chi-square test of homogeneity (a p-value test, every column) on the shared coarse bins; two bins = the z-test.
import { chiSquareHomogeneity, type ChiSquareResult } from '../chiSquare.js';
import { defineDriftTest } from './driftTest.js';

export const chiSquare = defineDriftTest({
  name: 'chisquare',
  field: 'chiSquare',
  kind: 'p-value',
  label: 'chi-square',
  header: 'χ² / p',
  columns: 'any',
  auto: { reference: 'small', values: 'discrete' },
  note: (distinct) => (distinct <= 2 ? ' (two values: the z-test, χ² = z²)' : ''),
  fromAggregates: (input): ChiSquareResult => chiSquareHomogeneity(input.bins.reference, input.bins.current),
  judged: (v) => v.pValue,
  shown: (v) => [v.statistic, v.pValue],
});
