// A test of the step without Temporal: `npm test` in this folder (node --import mlcycle/register --test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aq } from 'mlcycle/steps';
import { runStep } from 'mlcycle/steps/testing';
import { temperatureRange } from './steps.js';

const days = aq.table({ temp_max: [12.8, 10.6, null], temp_min: [5, 2.8, 1.1], weather: ['rain', 'sun', 'fog'] });

test('temp_range is max − min, and a day missing a temperature is dropped', async () => {
  const r = await runStep(temperatureRange, { inputs: { dataset: days } });
  assert.deepEqual(r.table?.array('temp_range'), [7.8, 7.8]);
  assert.match(r.summary ?? '', /2 rows \(1 dropped\)/);
});

test('with: { dropMissing: false } keeps the day, its range missing', async () => {
  const r = await runStep(temperatureRange, { with: { dropMissing: false }, inputs: { dataset: days } });
  assert.equal(r.table?.numRows(), 3);
});

test('a bad `with` is refused as the pipeline check would refuse it', async () => {
  await assert.rejects(runStep(temperatureRange, { with: { dropMissing: 'yes' }, inputs: { dataset: days } }), /with\.dropMissing: /);
});
