// End-to-end tests of the serving app on a real Postgres: predict, log, feedback, bad input, A/B routing, hot reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { deployVersion } from '../../lib/store/models.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { describeRoutes } from '../../serving/openapi.js';
import { registerFixture, startTestStack, waitFor, TINY_A, TINY_B, TINY_CLASSES, type TestStack } from './harness.js';

let stack: TestStack;
let serving: ServingApp;
let app: FastifyInstance;
let shaA = '';
let shaB = '';

before(async () => {
  stack = await startTestStack();
  const v1 = await registerFixture(stack, 'tiny', TINY_A, 'run-1');
  shaA = v1.sha256;
  await deployVersion(stack.db, 'tiny', v1.version, 0, 'first');
  // A long log interval: rows reach Postgres only through an explicit flush (feedback) or close.
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false, predictionLog: { intervalMs: 60_000 } });
  app = serving.app;
  // A route of the test's own: described first, as the app refuses a route without an OpenAPI description.
  describeRoutes(app, [{ method: 'GET', url: '/test-only/boom', tag: 'test', summary: 'Throws', errors: [], response: { status: 200, description: 'never' } }]);
  app.get('/test-only/boom', async () => {
    throw new Error('secret detail from deep inside');
  });
});
after(async () => {
  await serving?.close();
  await stack?.stop();
});

interface PredictionOut {
  requestId: string;
  label: string;
  probabilities: Record<string, number>;
  variant: string;
  version: number;
}

async function predict(body: unknown, model = 'tiny') {
  const res = await app.inject({ method: 'POST', url: `/v1/models/${model}/predict`, payload: body as object });
  return { status: res.statusCode, body: res.json() as { model: string; predictions: PredictionOut[]; error?: string; message?: string } };
}

async function models() {
  return (await app.inject({ method: 'GET', url: '/v1/models' })).json() as {
    models: { name: string; champion: { version: number; sha256: string }; challenger: { version: number; sha256: string; weight: number } | null }[];
  };
}

test('GET /healthz and GET /v1/models describe what is served', async () => {
  const health = await app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
  const h = health.json();
  assert.deepEqual([h.status, h.models, h.shadow], ['ok', 1, { inFlight: 0, skipped: 0 }]);
  assert.deepEqual([h.predictionLog.accepting, h.predictionLog.postgresAway, h.predictionLog.spillBytes], [true, false, 0]);
  const res = await app.inject({ method: 'GET', url: '/v1/models' });
  assert.deepEqual(res.json(), {
    models: [
      {
        name: 'tiny',
        champion: { version: 1, sha256: shaA },
        challenger: null,
        task: 'classification',
        inputs: [
          { name: 'x1', kind: 'numeric' },
          { name: 'color', kind: 'categorical' },
        ],
        classes: TINY_CLASSES,
      },
    ],
  });
});

test('predict: labels among the classes, probabilities summing to 1, ids kept, nulls and extra columns accepted', async () => {
  const instances = [
    { x1: 1, color: 'red', note: 'extra' },
    { x1: null, color: null },
    { x1: -3, color: 'blue' },
  ];
  const { status, body } = await predict({ instances, requestIds: ['p-1', 'p-2', 'p-3'] });
  assert.equal(status, 200);
  assert.equal(body.model, 'tiny');
  assert.deepEqual(body.predictions.map((p) => p.requestId), ['p-1', 'p-2', 'p-3']);
  for (const p of body.predictions) {
    assert.ok(TINY_CLASSES.includes(p.label));
    assert.deepEqual(Object.keys(p.probabilities), TINY_CLASSES);
    const sum = Object.values(p.probabilities).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5);
    assert.equal(p.label, p.probabilities.yes > p.probabilities.no ? 'yes' : 'no');
    assert.equal(p.variant, 'champion');
    assert.equal(p.version, 1);
  }
  assert.deepEqual(body.predictions.map((p) => p.label), ['yes', 'no', 'no']);
  const generated = await predict({ instances: [{ x1: 0.5, color: 'green' }] });
  assert.match(generated.body.predictions[0].requestId, /^[0-9a-f-]{36}$/);
});

const BAD: [string, unknown, number, RegExp][] = [
  ['instances missing', { requestIds: ['bad-0'] }, 400, /^instances is required/],
  ['instances not an array', { instances: { x1: 1 } }, 400, /^instances must be an array/],
  ['instances empty', { instances: [] }, 400, /^instances must not be empty/],
  ['too many instances', { instances: Array.from({ length: 10_001 }, () => ({ x1: 1, color: 'red' })) }, 400, /10001 records; at most 10000/],
  ['instance not an object', { instances: [{ x1: 1, color: 'red' }, 7] }, 400, /^instances\[1\] must be an object/],
  ['feature missing', { instances: [{ x1: 1, color: 'red' }, { x1: 2 }], requestIds: ['bad-1', 'bad-2'] }, 400, /^instances\[1\]\.color is missing/],
  [
    'numeric not a number',
    { instances: [{ x1: 1, color: 'red' }, { x1: 1, color: 'red' }, { x1: 1, color: 'red' }, { x1: 'hot', color: 'red' }] },
    400,
    /^instances\[3\]\.x1 must be a number, got "hot"$/,
  ],
  ['numeric as boolean', { instances: [{ x1: true, color: 'red' }] }, 400, /^instances\[0\]\.x1 must be a number, got true$/],
  ['categorical not a string', { instances: [{ x1: 1, color: 5 }] }, 400, /^instances\[0\]\.color must be a string, got 5$/],
  ['requestIds count', { instances: [{ x1: 1, color: 'red' }], requestIds: ['a', 'b'] }, 400, /one id per instance: got 2 for 1/],
  ['requestIds repeated', { instances: [{ x1: 1, color: 'red' }, { x1: 1, color: 'red' }], requestIds: ['bad-3', 'bad-3'] }, 400, /requestIds\[1\] "bad-3" repeats requestIds\[0\]/],
  ['requestId too long', { instances: [{ x1: 1, color: 'red' }], requestIds: ['x'.repeat(129)] }, 400, /^requestIds\[0\] must be 1-128 characters/],
  ['requestId empty', { instances: [{ x1: 1, color: 'red' }], requestIds: [''] }, 400, /^requestIds\[0\] must be 1-128 characters/],
  ['body not an object', [1, 2], 400, /^body must be a JSON object/],
];

for (const [name, body, status, message] of BAD) {
  test(`predict refuses bad input: ${name}`, async () => {
    const res = await predict(body);
    assert.equal(res.status, status);
    assert.equal(res.body.error, 'BadInput');
    assert.match(res.body.message ?? '', message);
    assert.deepEqual(Object.keys(res.body).sort(), ['error', 'message']);
  });
}

test('predict refuses an unknown model with 404, and bodies that are not JSON with 400', async () => {
  const unknown = await predict({ instances: [{ x1: 1, color: 'red' }] }, 'nope');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error, 'BadInput');
  assert.match(unknown.body.message ?? '', /model "nope" is not served/);
  for (const [contentType, payload] of [
    ['application/json', '{"instances": [1,'],
    ['text/plain', 'x1=1&color=red'],
    ['application/json', ''],
  ]) {
    const res = await app.inject({ method: 'POST', url: '/v1/models/tiny/predict', headers: { 'content-type': contentType }, payload });
    assert.equal(res.statusCode, 400, `${contentType} ${JSON.stringify(payload)}`);
    const json = res.json() as { error: string; message: string };
    assert.equal(json.error, 'BadInput');
    assert.match(json.message, /JSON/);
    assert.doesNotMatch(res.body, /\n\s+at /, 'no stack trace');
  }
  const route = await app.inject({ method: 'GET', url: '/v1/nothing' });
  assert.equal(route.statusCode, 404);
});

test('an unexpected error is a bare 500: no message from inside, no stack trace', async () => {
  const res = await app.inject({ method: 'GET', url: '/test-only/boom' });
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.json(), { error: 'InternalError', message: 'internal error; the server log has the details' });
});

test('feedback flushes the log first, stores known labels and lists unknown ids; the rows join', async () => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/feedback',
    payload: { feedback: [{ requestId: 'p-1', label: 'yes' }, { requestId: 'p-3', label: 'no' }, { requestId: 'never-seen', label: 'no' }] },
  });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { stored: 2, unknown: ['never-seen'] });
  const logged = await stack.db.query(
    `SELECT p.request_id, p.model_version, p.variant, mlcycle_prediction_input(l.numeric, p.num, l.categorical, p.cat, p.extra) AS input,
            p.label AS predicted, p.prob, l.classes, p.latency_ms, f.label
       FROM predictions p JOIN prediction_layouts l USING (model_name, model_version) LEFT JOIN feedback f USING (request_id) WHERE p.request_id LIKE 'p-%' ORDER BY p.request_id`,
  );
  assert.equal(logged.rows.length, 3);
  const [p1, p2] = logged.rows;
  assert.deepEqual(p1.input, { x1: 1, color: 'red', note: 'extra' });
  assert.equal(p1.predicted, 'yes');
  assert.deepEqual(p1.classes, TINY_CLASSES);
  assert.equal(p1.prob.length, TINY_CLASSES.length);
  assert.ok(Math.abs(p1.prob.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5, 'the logged probabilities sum to 1');
  assert.equal(p1.variant, 'champion');
  assert.equal(p1.model_version, 1);
  assert.ok(p1.latency_ms > 0);
  assert.equal(p1.label, 'yes');
  assert.equal(p2.label, null);
  assert.deepEqual(p2.input, { x1: null, color: null });
  const rejected = await stack.db.query(`SELECT COUNT(*)::int AS n FROM predictions WHERE request_id LIKE 'bad-%'`);
  assert.equal(rejected.rows[0].n, 0, 'rejected requests log nothing');
});

test('feedback refuses bad shapes (400), repeated ids (400), and only-unknown ids (404)', async () => {
  const cases: [unknown, number, RegExp][] = [
    [{}, 400, /^feedback is required/],
    [{ feedback: [] }, 400, /^feedback must not be empty/],
    [{ feedback: [{ requestId: 'p-1' }] }, 400, /^feedback\[0\]\.label must be a string/],
    [{ feedback: [{ requestId: 'p-1', label: 'no' }, { requestId: 'p-1', label: 'yes' }] }, 400, /feedback\[1\]\.requestId "p-1" repeats feedback\[0\]/],
    [{ feedback: [{ requestId: 'ghost-1', label: 'no' }] }, 404, /none of the 1 request id/],
  ];
  for (const [payload, status, message] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/feedback', payload: payload as object });
    assert.equal(res.statusCode, status, JSON.stringify(payload));
    const json = res.json() as { error: string; message: string; unknown?: string[] };
    assert.equal(json.error, 'BadInput');
    assert.match(json.message, message);
    if (status === 404) assert.deepEqual(json.unknown, ['ghost-1']);
  }
});

test('a 1,000-instance request scores and logs in one go (rough latency printed)', async (t) => {
  const instances = Array.from({ length: 1000 }, (_, i) => ({ x1: i / 100 - 5, color: ['red', 'green', 'blue'][i % 3] }));
  const times1: number[] = [];
  const times1000: number[] = [];
  for (let k = 0; k < 20; k++) {
    let started = performance.now();
    assert.equal((await predict({ instances: instances.slice(0, 1) })).status, 200);
    times1.push(performance.now() - started);
    started = performance.now();
    const res = await predict({ instances });
    times1000.push(performance.now() - started);
    assert.equal(res.status, 200);
    assert.equal(res.body.predictions.length, 1000);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  t.diagnostic(`inject latency, median of 20: 1 instance ${median(times1).toFixed(2)} ms, 1,000 instances ${median(times1000).toFixed(2)} ms`);
});

test('a challenger deployed in Postgres is served within a second, without restart and without failed requests', async () => {
  const v2 = await registerFixture(stack, 'tiny', TINY_B, 'run-2');
  shaB = v2.sha256;
  let failures = 0;
  let running = true;
  const traffic = (async () => {
    let n = 0;
    while (running) {
      const res = await predict({ instances: [{ x1: n++, color: 'green' }] });
      if (res.status !== 200) failures++;
    }
  })();
  const deployedAt = Date.now();
  await deployVersion(stack.db, 'tiny', v2.version, 0.5, 'challenger');
  const seen = await waitFor(async () => (await models()).models[0].challenger?.version === 2, 1000, 10);
  running = false;
  await traffic;
  assert.ok(seen, 'challenger visible within 1 s');
  assert.ok(Date.now() - deployedAt < 1500);
  assert.equal(failures, 0);
  assert.deepEqual((await models()).models[0].challenger, { version: 2, sha256: v2.sha256, weight: 0.5, mode: 'split' });
});

test('challenger routing: both variants over 200 ids, each id always on the same variant and version', async () => {
  const ids = Array.from({ length: 200 }, (_, i) => `ab-${i}`);
  const instances = ids.map(() => ({ x1: 2, color: 'red' }));
  const first = await predict({ instances, requestIds: ids });
  assert.equal(first.status, 200);
  const variants = first.body.predictions.map((p) => p.variant);
  const challengers = variants.filter((v) => v === 'challenger').length;
  assert.ok(challengers > 60 && challengers < 140, `challenger got ${challengers} of 200`);
  for (const p of first.body.predictions) {
    assert.equal(p.version, p.variant === 'challenger' ? 2 : 1);
    assert.equal(p.label, p.variant === 'challenger' ? 'no' : 'yes'); // the two models disagree on this row
  }
  // The same ids one by one, in another order: the same variants.
  for (const i of [199, 0, 57, 123, 5, 88]) {
    const again = await predict({ instances: [{ x1: 2, color: 'red' }], requestIds: [`ab-${i}`] });
    assert.equal(again.body.predictions[0].variant, variants[i]);
  }
});

test('a version whose artifact fails verification is not served: the previous challenger stays, a new model stays out', async () => {
  const bad = await stack.artifacts.put('bytes that will be tampered with');
  await writeFile(stack.artifacts.pathOf(bad.sha256), 'tampered');
  await stack.db.query(
    `INSERT INTO model_versions (name, version, run_id, uri, sha256, dataset_id, metrics, card)
     SELECT name, 3, 'run-3', $1, $2, dataset_id, metrics, card FROM model_versions WHERE name = 'tiny' AND version = 1`,
    [bad.uri, bad.sha256],
  );
  await stack.db.query(
    `INSERT INTO model_versions (name, version, run_id, uri, sha256, dataset_id, metrics, card)
     SELECT 'broken', 1, 'run-broken', $1, $2, dataset_id, metrics, card FROM model_versions WHERE name = 'tiny' AND version = 1`,
    [bad.uri, bad.sha256],
  );
  await deployVersion(stack.db, 'tiny', 3, 0.2, 'bad challenger');
  await deployVersion(stack.db, 'broken', 1, 0, 'bad champion');
  await new Promise((r) => setTimeout(r, 700));
  const served = (await models()).models;
  assert.deepEqual(served.map((m) => m.name), ['tiny']);
  assert.deepEqual(served[0].challenger, { version: 2, sha256: shaB, weight: 0.5, mode: 'split' });
  assert.equal((await predict({ instances: [{ x1: 1, color: 'red' }] }, 'broken')).status, 404);
  assert.equal((await predict({ instances: [{ x1: 1, color: 'red' }] })).status, 200);
});
