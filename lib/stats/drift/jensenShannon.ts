// The Jensen–Shannon distance, base 2, in [0, 1] (a distance, every column) on the shared coarse bins.
import { jensenShannonDistance } from '../divergence.js';
import { defineDriftTest } from './driftTest.js';

export const jensenShannon = defineDriftTest({
  name: 'jensenshannon',
  field: 'jensenShannon',
  kind: 'distance',
  label: 'Jensen–Shannon',
  header: 'Jensen–Shannon',
  columns: 'any',
  threshold: { default: 0.1, max: 1 },
  auto: { reference: 'large', values: 'discrete' },
  fromAggregates: (input): number => jensenShannonDistance(input.bins.reference, input.bins.current),
  judged: (v) => v,
  shown: (v) => [v],
});
