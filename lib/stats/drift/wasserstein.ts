// The Wasserstein-1 distance over the reference's std, floored at 0.001 (Evidently's normalization; a distance, numeric columns).
import { wassersteinFromCells } from '../driftCells.js';
import { defineDriftTest } from './driftTest.js';

/** The smallest standard deviation the distance is divided by (a constant reference column). */
export const WASSERSTEIN_MIN_NORM = 0.001;

export const wasserstein = defineDriftTest({
  name: 'wasserstein',
  field: 'wasserstein',
  kind: 'distance',
  label: 'Wasserstein',
  title: 'normalized Wasserstein',
  header: 'Wasserstein (norm.)',
  columns: 'numeric',
  fallback: 'jensenshannon',
  threshold: { default: 0.1, max: 10 },
  auto: { reference: 'large', values: 'continuous' },
  fromAggregates: (input): number | null => {
    if (!input.cells) return null;
    const { profile, current } = input.cells;
    return wassersteinFromCells(profile.edges, profile.counts, current.counts, current) / Math.max(profile.std, WASSERSTEIN_MIN_NORM);
  },
  exact: (input, sides): number | null => (input.cells ? sides.walk().wasserstein / Math.max(input.cells.profile.std, WASSERSTEIN_MIN_NORM) : null),
  judged: (v) => v ?? NaN,
  shown: (v) => [v],
});
