// The Jensen–Shannon drift test (lib/stats/drift/jensenShannon.ts): scipy's jensenshannon(base=2) on the shared bins, in [0, 1].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jensenShannon } from '../../lib/stats/drift/jensenShannon.js';
import { categoricalInput, close, scipyFixture } from './driftTestInput.js';

test('count vectors: equal to scipy; 0 for the same shares, 1 for disjoint ones', () => {
  for (const c of scipyFixture.counts) close(jensenShannon.fromAggregates(categoricalInput(c.reference, c.current)), c.jensenShannon, 1e-12, 'JS');
  assert.equal(jensenShannon.fromAggregates(categoricalInput([2, 4], [1, 2])), 0);
  assert.equal(jensenShannon.fromAggregates(categoricalInput([3, 0], [0, 5])), 1);
  assert.equal(jensenShannon.kind, 'distance');
  assert.equal(jensenShannon.threshold?.max, 1);
});
