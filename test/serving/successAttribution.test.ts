// Which variant an outcome belongs to, over real serving and PostgreSQL: a unit that moves from champion to challenger.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline } from '../../lib/config/pipeline.js';
import { saveDefinition } from '../../lib/store/definitions.js';
import { deployVersion } from '../../lib/store/models.js';
import { observeSuccess } from '../../lib/store/successObservations.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { registerModelBytes, startTestStack, waitFor, type TestStack } from './harness.js';
import { linearRegressorOnnx, regressionCard } from './regressionFixture.js';

const pipeline = parsePipeline(
  {
    name: 'attr', data: { path: 'unused.csv' }, task: 'regression', target: 'price', features: { numeric: ['x1', 'x2'] }, search: { space: { ridge: { alpha: [1] } } },
    rollout: { minEffect: 1, stages: [{ name: 'ab', traffic: 0.5 }], success: { name: 'revenue', kind: 'value', direction: 'increase', minEffect: 0.5 } },
  },
  'test',
  '/',
);
const UNITS = Array.from({ length: 10 }, (_, i) => `user-${i}`);
let stack: TestStack;
let serving: ServingApp;

before(async () => {
  stack = await startTestStack();
  const v1 = await registerModelBytes(stack, 'attr', linearRegressorOnnx({ coefficients: [2, -3], intercepts: [0.5] }), 'run-a1', regressionCard());
  await deployVersion(stack.db, 'attr', v1.version, 0, 'first');
  await saveDefinition(stack.db, pipeline, {});
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false });
});
after(async () => {
  await serving?.close();
  await stack?.stop();
});

async function predict(perUnit: number, expected: string): Promise<string[]> {
  const unitIds = UNITS.flatMap((u) => Array<string>(perUnit).fill(u));
  const res = await serving.app.inject({ method: 'POST', url: '/v1/models/attr/predict', payload: { instances: unitIds.map((_, i) => ({ x1: i / 10, x2: 1 })), unitIds } });
  const { predictions } = res.json() as { predictions: { requestId: string; variant: string }[] };
  assert.deepEqual([...new Set(predictions.map((p) => p.variant))], [expected]);
  return predictions.map((p) => p.requestId);
}

async function post(outcomes: unknown[]): Promise<unknown> {
  return (await serving.app.inject({ method: 'POST', url: '/v1/models/attr/outcomes', payload: { outcomes } })).json();
}

test('an outcome belongs to the variant its unit met last before it, or to the request it names', async () => {
  const first = await predict(2, 'champion');
  const afterFirst = new Date().toISOString();
  assert.deepEqual(await post(UNITS.map((u) => ({ unitId: u, metric: 'revenue', value: 1, at: afterFirst }))), { stored: 10, duplicates: 0, refused: [] });
  await new Promise((r) => setTimeout(r, 20));
  // Every unit now meets the challenger (its share raised to all units).
  const v2 = await registerModelBytes(stack, 'attr', linearRegressorOnnx({ coefficients: [1, -1], intercepts: [0] }), 'run-a2', regressionCard());
  await deployVersion(stack.db, 'attr', v2.version, 1, 'all units to the challenger');
  assert.ok(await waitFor(async () => {
    const { models } = (await serving.app.inject({ method: 'GET', url: '/v1/models' })).json() as { models: { challenger: { weight: number } | null }[] };
    return models[0]?.challenger?.weight === 1;
  }, 10_000));
  await predict(3, 'challenger');
  const afterSecond = new Date().toISOString();
  assert.deepEqual(
    await post([...UNITS.map((u) => ({ unitId: u, metric: 'revenue', value: 10, at: afterSecond })), { requestId: first[0], metric: 'revenue', value: 5, at: afterSecond }]),
    { stored: 11, duplicates: 0, refused: [] },
  );
  const rows = await observeSuccess(stack.db, { modelName: 'attr', metric: pipeline.rollout?.success ?? assert.fail('declared'), since: '1970-01-01T00:00:00Z', until: new Date().toISOString() });
  const by = Object.fromEntries(rows.map((r) => [r.variant, { units: r.sums.units, exposures: r.exposures, outcomes: r.outcomes, n: r.sums.n, y: r.sums.y, yy: r.sums.yy }]));
  // Champion: 2 exposures per unit, 1 each before the move, and the 5 that names a champion request (user-0's): y 1 + 5.
  // Challenger: 3 exposures per unit, the 10 each after the move.
  assert.deepEqual(by, {
    champion: { units: 10, exposures: 20, outcomes: 11, n: 20, y: 15, yy: 9 * 1 + 36 },
    challenger: { units: 10, exposures: 30, outcomes: 10, n: 30, y: 100, yy: 1000 },
  });
});

test('outcomes need the feedback role when tokens are configured', async () => {
  const tokens = [
    { subject: 'shop', token: 'shop-posts-outcomes-0123', roles: ['feedback' as const] },
    { subject: 'app', token: 'app-only-scores-01234567', roles: ['score' as const] },
  ];
  const guarded = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false, tokens });
  try {
    const send = (token: string | null) => guarded.app.inject({
      method: 'POST', url: '/v1/models/attr/outcomes', payload: { outcomes: [{ unitId: 'user-1', metric: 'revenue', value: 'x', at: new Date().toISOString() }] },
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    assert.equal((await send(null)).statusCode, 401);
    assert.equal((await send('app-only-scores-01234567')).statusCode, 403);
    const allowed = await send('shop-posts-outcomes-0123');
    assert.equal(allowed.statusCode, 400, 'past the role check, the body is checked');
    assert.match(allowed.json<{ message: string }>().message, /^outcomes\[0\]\.value must be a number/);
  } finally {
    await guarded.close();
  }
});
