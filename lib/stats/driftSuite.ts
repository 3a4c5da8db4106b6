// The drift test suite of one window from mergeable aggregates on a profile; the exact suite is re-exported from driftExact.ts (see DRIFT.md).
import { DataError } from '../data/errors.js';
import type { DriftProfile } from './driftProfile.js';
import type { WindowAggregate } from './windowAggregate.js';
import { judgeWindow, measureCategorical, measureNumeric, type DriftSuiteResult, type Measured } from './driftMeasure.js';
import { DEFAULT_DRIFT_POLICY, type DriftSuitePolicy } from './driftPolicy.js';

export type { ColumnDriftResult, DriftSuiteResult } from './driftMeasure.js';
export { DEFAULT_DRIFT_POLICY, type DriftMethod, type DriftSuitePolicy } from './driftPolicy.js';
export { driftExact, driftExactPrepared, prepareExactReference, type ExactReference, type ExtraColumns } from './driftExact.js';

function noValues(name: string, rows: number): DataError {
  return new DataError(`column "${name}" has no values in the window's ${rows} rows: its drift cannot be measured`, { column: name });
}

/** Every test for every profiled column, from a window's aggregate: cost independent of the window's size. */
export function driftFromAggregates(profile: DriftProfile, aggregate: WindowAggregate, policy: DriftSuitePolicy = DEFAULT_DRIFT_POLICY): DriftSuiteResult {
  if (aggregate.profileId !== profile.id) {
    throw new DataError(`the aggregate was counted on drift profile ${aggregate.profileId}, not on this profile (${profile.id}): rebuild it on the current profile`, {
      profileId: profile.id, aggregateProfileId: aggregate.profileId,
    });
  }
  if (aggregate.rows === 0) throw new DataError('the window has no rows: drift cannot be measured');
  const measured = profile.columns.map((p): Measured => {
    if (p.kind === 'numeric') {
      const cur = aggregate.numeric[p.name];
      if (!cur || cur.counts.length !== p.counts.length) throw new DataError(`the aggregate has no counts on the profile's cells for column "${p.name}"`, { column: p.name });
      const m = measureNumeric(p, cur);
      if (m.currentCount === 0) throw noValues(p.name, aggregate.rows);
      return m;
    }
    const cur = aggregate.categorical[p.name];
    if (!cur || cur.counts.length !== p.counts.length) throw new DataError(`the aggregate has no counts on the profile's categories for column "${p.name}"`, { column: p.name });
    const m = measureCategorical(p, cur);
    if (m.currentCount === 0) throw noValues(p.name, aggregate.rows);
    return m;
  });
  return judgeWindow(profile, measured, aggregate.rows, policy, 'aggregate');
}
