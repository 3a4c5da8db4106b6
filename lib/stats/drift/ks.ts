// The two-sample Kolmogorov–Smirnov test (a p-value test, numeric columns): D and scipy ks_2samp's asymptotic p-value.
import { ksFromCells } from '../driftCells.js';
import { kolmogorovSf, roundHalfEven } from '../ks.js';
import { defineDriftTest } from './driftTest.js';

/** From cells the exact D lies in [statistic, statistic + errorBound]; errorBound is 0 when exact. */
export interface KsValue {
  statistic: number;
  pValue: number;
  errorBound: number;
}

/** scipy's ks_2samp(method='asymp') p-value of D between samples of nr and nc values. */
export function ksPValue(d: number, nr: number, nc: number): number {
  return Math.min(1, Math.max(0, kolmogorovSf(Math.max(1, roundHalfEven((nr * nc) / (nr + nc))), d)));
}

export const ks = defineDriftTest({
  name: 'ks',
  field: 'ks',
  kind: 'p-value',
  label: 'KS',
  header: 'KS D / p',
  columns: 'numeric',
  fallback: 'chisquare',
  auto: { reference: 'small', values: 'continuous' },
  fromAggregates: (input): KsValue | null => {
    if (!input.cells) return null;
    const { statistic, errorBound } = ksFromCells(input.cells.profile.counts, input.cells.current.counts);
    return { statistic, pValue: ksPValue(statistic, input.referenceCount, input.currentCount), errorBound };
  },
  exact: (input, sides): KsValue | null => {
    if (!input.cells) return null;
    const statistic = sides.walk().ksStatistic;
    return { statistic, pValue: ksPValue(statistic, input.referenceCount, input.currentCount), errorBound: 0 };
  },
  judged: (v) => v?.pValue ?? NaN,
  shown: (v) => [v?.statistic, v?.pValue],
});
