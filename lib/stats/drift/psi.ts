// The Population Stability Index (a distance, every column) on the shared coarse bins, ε = 1e-4 for empty bins.
import { psiFromCounts } from '../psi.js';
import { defineDriftTest } from './driftTest.js';

export const psi = defineDriftTest({
  name: 'psi',
  field: 'psi',
  kind: 'distance',
  label: 'PSI',
  header: 'PSI',
  columns: 'any',
  threshold: { default: 0.1, max: 10 },
  fromAggregates: (input): number => psiFromCounts(input.bins.reference, input.bins.current),
  judged: (v) => v,
  shown: (v) => [v],
});
