// MLCYCLE_PREDICTION_RETENTION_DAYS: a positive number of days (default 90) or "forever"; anything else is refused by name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readEnv } from '../../lib/config/env.js';

test('the prediction retention reads days, "forever", and refuses the rest naming the variable', () => {
  assert.equal(readEnv({}).predictionRetentionDays, 90);
  assert.equal(readEnv({ MLCYCLE_PREDICTION_RETENTION_DAYS: '7.5' }).predictionRetentionDays, 7.5);
  assert.equal(readEnv({ MLCYCLE_PREDICTION_RETENTION_DAYS: 'forever' }).predictionRetentionDays, null);
  for (const bad of ['0', '-3', 'ninety', 'Infinity']) {
    assert.throws(() => readEnv({ MLCYCLE_PREDICTION_RETENTION_DAYS: bad }), new RegExp(`MLCYCLE_PREDICTION_RETENTION_DAYS must be a positive number of days or "forever", got "${bad}"`));
  }
});
