// The PSI drift test (lib/stats/drift/psi.ts): Σ (c − r) ln(c / r) over the shared bins' shares, an empty bin counted as 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { psi } from '../../lib/stats/drift/psi.js';
import { categoricalInput, close } from './driftTestInput.js';

test('by hand: 50/50 → 25/75, and an empty current bin counted as ε = 1e-4', () => {
  close(psi.fromAggregates(categoricalInput([50, 50], [25, 75])), 0.25 * Math.log(2) + 0.25 * Math.log(1.5), 1e-15, 'psi');
  const r = 0.5;
  const c = 1e-4;
  close(psi.fromAggregates(categoricalInput([1, 1], [0, 4])), (c - r) * Math.log(c / r) + (1 - r) * Math.log(1 / r), 1e-15, 'psi with an empty bin');
  assert.equal(psi.fromAggregates(categoricalInput([3, 7], [30, 70])), 0);
  assert.equal(psi.kind, 'distance');
  assert.equal(psi.judged(0.2), 0.2);
});
