// The search plan: grid covers every combination, random is seeded, halving climbs budgets to 1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { halvingBudgets, planTrials, survivors, trialIdAt } from '../../lib/train/search.js';

const features = { numeric: ['a', 'b'], categorical: ['c'] };

test('grid: every value × feature set, ids unique, full budget', () => {
  const plan = planTrials({ strategy: 'grid', seed: 1, space: { logreg: { l2: [0.1, 1, 1] } }, featureSets: [features, { numeric: ['a'], categorical: [] }] }, features);
  assert.equal(plan.length, 4);
  assert.equal(new Set(plan.map((t) => t.trialId)).size, 4);
  assert.ok(plan.every((t) => t.budget === 1));
  assert.throws(() => planTrials({ strategy: 'grid', seed: 1, space: { logreg: { l2: { min: 0.1, max: 1 } } } }, features), /needs a list/);
});

test('random: the same seed gives the same trials, another seed other ones, log ranges stay in range', () => {
  const config = { strategy: 'random' as const, trials: 8, seed: 7, space: { logreg: { l2: { min: 1e-4, max: 10, log: true } } } };
  const a = planTrials(config, features);
  assert.deepEqual(a, planTrials(config, features));
  assert.notDeepEqual(a, planTrials({ ...config, seed: 8 }, features));
  assert.equal(a.length, 8);
  assert.ok(a.every((t) => t.params.l2 >= 1e-4 && t.params.l2 <= 10));
});

test('halving: budgets grow by eta up to all rows; survivors shrink; promotion keeps the candidate', () => {
  assert.deepEqual(halvingBudgets(3, 1 / 9), [0.111111, 0.333333, 1]);
  assert.deepEqual(halvingBudgets(2, 0.25), [0.25, 0.5, 1]);
  assert.equal(survivors(9, 3), 3);
  assert.equal(survivors(2, 3), 1);
  const [first] = planTrials({ strategy: 'halving', trials: 9, seed: 1, space: { logreg: { l2: [0.01, 0.1, 1] } }, halving: { eta: 2, minBudget: 0.25 } }, features);
  assert.equal(first.budget, 0.25);
  assert.match(first.trialId, /-b0\.25$/);
  assert.equal(trialIdAt(first.baseId, 1), first.baseId, 'at full budget the id is the candidate id');
  assert.equal(trialIdAt(first.baseId, 0.25), first.trialId);
});
