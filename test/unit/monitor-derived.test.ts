// Derived-feature drift on logged answers: dates serving could not read count as missing, not as an error for the window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureDerivedDrift } from '../../activities/monitorDerived.js';
import { DEFAULT_DRIFT_POLICY } from '../../lib/stats/driftSuite.js';
import { tableFromObjects } from '../../lib/data/typing.js';
import { fitTransforms } from '../../lib/transforms/fit.js';

const day = (i: number): string => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);

test('a malformed or absent date in the window is a missing month; the winter-only window drifts against a year of training', async () => {
  const training = tableFromObjects(Array.from({ length: 366 }, (_, i) => ({ date: day(i), wind: (i % 10) + 1 })), 'training', { kinds: { date: 'date' } });
  const fitted = fitTransforms([{ name: 'month', expr: 'month(date)' }, { name: 'wind_z', standardize: 'wind' }], training);
  const inputs: Record<string, unknown>[] = Array.from({ length: 200 }, (_, i) => ({ date: day(i % 60), wind: (i % 10) + 1 }));
  inputs.push({ date: '07/04/2031', wind: 3 }, { date: 'not a date', wind: 4 }, { wind: 5 }, { date: 42, wind: 6 });
  const drift = await measureDerivedDrift('unit@1', async () => training, inputs, fitted, DEFAULT_DRIFT_POLICY);
  const month = drift.results.find((r) => r.feature === 'month');
  const wind = drift.results.find((r) => r.feature === 'wind_z');
  assert.ok(month && wind);
  assert.equal(month.role, 'derived');
  assert.equal(month.currentMissing, 4, 'the four dates serving could not read');
  assert.equal(month.currentCount, 200);
  assert.equal(month.drifted, true, 'January and February only');
  assert.equal(wind.drifted, false, 'the same winds');
  assert.deepEqual(drift.histograms.map((h) => h.feature), ['month', 'wind_z']);
  assert.match(drift.note, /on 204 answers/);
});

test('without fitted transforms there is nothing to measure', async () => {
  const training = tableFromObjects([{ wind: 1 }], 'training');
  assert.deepEqual(await measureDerivedDrift('unit@2', async () => training, [{ wind: 1 }], undefined, DEFAULT_DRIFT_POLICY), { results: [], note: '', histograms: [] });
});
