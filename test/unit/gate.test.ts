// The deployment gate fails closed and demands a margin over the champion on the same holdout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideGate } from '../../lib/train/gate.js';

const gate = { metric: 'accuracy' as const, minimum: 0.6, minImprovement: 0.01 };

test('no gate, a non-finite score, or below the minimum: not blessed', () => {
  assert.equal(decideGate(undefined, 0.99, null).blessed, false);
  assert.match(decideGate(undefined, 0.99, null).reason, /fail closed/);
  assert.equal(decideGate(gate, NaN, null).blessed, false);
  assert.equal(decideGate(gate, 0.59, null).blessed, false);
});

test('the first model only needs the minimum; later ones must beat the champion by the margin', () => {
  assert.equal(decideGate(gate, 0.61, null).blessed, true);
  const beats = decideGate(gate, 0.85, { version: 1, score: 0.83 });
  assert.equal(beats.blessed, true);
  assert.match(beats.reason, /beats champion v1 \(0\.8300 on the same holdout\) by 0\.0200/);
  const same = decideGate(gate, 0.835, { version: 1, score: 0.83 });
  assert.equal(same.blessed, false, 'a gain below the margin is not enough');
  assert.match(same.reason, /does not beat champion v1/);
  assert.equal(decideGate(gate, 0.9, { version: 3, score: NaN }).blessed, false, 'an unscorable champion fails closed');
});
