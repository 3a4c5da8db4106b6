// Regression models served end to end on a real Postgres: values, micro-batches, A/B, numeric feedback, refused models.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { sha256Hex } from '../../lib/store/artifacts.js';
import { deployVersion } from '../../lib/store/models.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { ModelRegistry } from '../../serving/modelRegistry.js';
import { ScoringPool, sharedModelSource, type ScoringModel } from '../../lib/scoring/scoringPool.js';
import { registerFixture, registerModelBytes, startTestStack, waitFor, TINY_A, type TestStack } from './harness.js';
import { linearRegressorOnnx, linearValue, regressionCard, REG_INPUTS, type LinearSpec } from './regressionFixture.js';

const V1: LinearSpec = { coefficients: [2, -3], intercepts: [0.5] };
const V2: LinearSpec = { coefficients: [-1, 0.25], intercepts: [4] };
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b));

let stack: TestStack;
let serving: ServingApp;
let app: FastifyInstance;

before(async () => {
  stack = await startTestStack();
  const v1 = await registerModelBytes(stack, 'price', linearRegressorOnnx(V1), 'run-p1', regressionCard());
  await deployVersion(stack.db, 'price', v1.version, 0, 'first');
  const tiny = await registerFixture(stack, 'tiny', TINY_A, 'run-t1');
  await deployVersion(stack.db, 'tiny', tiny.version, 0, 'first');
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false, predictionLog: { intervalMs: 60_000 } });
  app = serving.app;
});
after(async () => {
  await serving?.close();
  await stack?.stop();
});

interface ValueOut {
  requestId: string;
  value: number;
  variant: string;
  version: number;
}

async function predict(body: unknown, model = 'price') {
  const res = await app.inject({ method: 'POST', url: `/v1/models/${model}/predict`, payload: body as object });
  return { status: res.statusCode, body: res.json() as { model: string; predictions: ValueOut[]; message?: string } };
}

async function feedback(entries: { requestId: string; label: string }[]) {
  const res = await app.inject({ method: 'POST', url: '/v1/feedback', payload: { feedback: entries } });
  return { status: res.statusCode, body: res.json() as { stored?: number; unknown?: string[]; error?: string; message?: string; invalid?: string[] } };
}

async function labels(ids: string[]): Promise<Record<string, string>> {
  const res = await stack.db.query<{ request_id: string; label: string }>('SELECT request_id, label FROM feedback WHERE request_id = ANY($1)', [ids]);
  return Object.fromEntries(res.rows.map((r) => [r.request_id, r.label]));
}

test('GET /v1/models names the task: regression with no classes', async () => {
  const { models } = (await app.inject({ method: 'GET', url: '/v1/models' })).json() as { models: { name: string; task: string; classes: string[] }[] };
  const price = models.find((m) => m.name === 'price');
  assert.equal(price?.task, 'regression');
  assert.deepEqual(price?.classes, []);
  assert.equal(models.find((m) => m.name === 'tiny')?.task, 'classification');
});

test('a regression model answers { requestId, value, variant, version } with the linear formula, and logs { value }', async () => {
  const { status, body } = await predict({ instances: [{ x1: 1.5, x2: -2 }], requestIds: ['one-1'] });
  assert.equal(status, 200);
  assert.equal(body.model, 'price');
  const [p] = body.predictions;
  assert.deepEqual(Object.keys(p), ['requestId', 'value', 'variant', 'version']);
  assert.equal(p.requestId, 'one-1');
  assert.ok(close(p.value, linearValue(V1, 1.5, -2)), `${p.value} vs ${linearValue(V1, 1.5, -2)}`);
  assert.equal(p.variant, 'champion');
  assert.equal(p.version, 1);
  await feedback([{ requestId: 'one-1', label: '9.5' }]); // flushes the log
  const logged = await stack.db.query<{ value: number; label: string | null; prob: number[] | null }>(`SELECT value, label, prob FROM predictions WHERE request_id = 'one-1'`);
  assert.deepEqual(logged.rows[0], { value: p.value, label: null, prob: null });
});

test('a batch of mixed rows (nulls, negatives, large values, extra columns) keeps order and values', async () => {
  const instances = Array.from({ length: 60 }, (_, i) => ({
    x1: i % 7 === 0 ? null : (i - 30) * 1.25,
    x2: i % 5 === 0 ? null : i * 1000,
    note: i % 2 ? 'extra' : undefined,
  }));
  const { status, body } = await predict({ instances });
  assert.equal(status, 200);
  assert.equal(body.predictions.length, instances.length);
  body.predictions.forEach((p, i) => {
    const expected = linearValue(V1, instances[i].x1, instances[i].x2);
    assert.ok(close(p.value, expected), `row ${i}: ${p.value} vs ${expected}`);
  });
  const bad = await predict({ instances: [{ x1: 1, x2: 'high' }] });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message ?? '', /instances\[0\]\.x2 must be a number/);
});

test('concurrent regression requests share one micro-batch, each getting its own values back', async () => {
  const bytes = linearRegressorOnnx(V1);
  const model: ScoringModel = { sha256: sha256Hex(bytes), source: sharedModelSource(bytes), inputs: REG_INPUTS, task: 'regression' };
  const pool = new ScoringPool({ threads: 1, batchWindowMs: 5 });
  try {
    const warm = await pool.warm(model);
    assert.equal(warm.task, 'regression');
    const runs = pool.runs;
    const requests = Array.from({ length: 8 }, (_, i) => Array.from({ length: (i % 3) + 1 }, (_, k) => ({ x1: i, x2: k })));
    const results = await Promise.all(requests.map((rows) => pool.score(model, rows)));
    assert.equal(pool.runs - runs, 1, 'one worker task for 8 requests');
    results.forEach((out, i) => {
      assert.ok(out.task === 'regression');
      assert.equal(out.values.length, requests[i].length);
      requests[i].forEach((r, k) => assert.ok(close(out.values[k], linearValue(V1, r.x1, r.x2))));
    });
  } finally {
    await pool.close();
  }
});

test('feedback for regression requests: a non-numeric label refuses the whole batch (400, ids named, nothing stored)', async () => {
  const r = await predict({ instances: [{ x1: 1, x2: 1 }, { x1: 2, x2: 2 }, { x1: 3, x2: 3 }], requestIds: ['r-1', 'r-2', 'r-3'] });
  assert.equal(r.status, 200);
  const c = await app.inject({ method: 'POST', url: '/v1/models/tiny/predict', payload: { instances: [{ x1: 1, color: 'red' }], requestIds: ['c-1'] } });
  assert.equal(c.statusCode, 200);
  const ids = ['r-1', 'r-2', 'r-3', 'c-1'];

  const refused = await feedback([
    { requestId: 'r-1', label: '3.5' },
    { requestId: 'c-1', label: 'yes' },
    { requestId: 'r-2', label: 'cheap' },
    { requestId: 'r-3', label: 'Infinity' },
    { requestId: 'ghost', label: '1' },
  ]);
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error, 'BadInput');
  assert.match(refused.body.message ?? '', /finite number/);
  assert.match(refused.body.message ?? '', /"r-2" \(label "cheap"\), "r-3" \(label "Infinity"\)/);
  assert.match(refused.body.message ?? '', /nothing was stored/);
  assert.deepEqual(refused.body.invalid, ['r-2', 'r-3']);
  assert.deepEqual(await labels(ids), {}, 'nothing of the refused batch is stored');

  const ok = await feedback([
    { requestId: 'r-1', label: ' 3.5 ' },
    { requestId: 'r-2', label: '-2e1' },
    { requestId: 'c-1', label: '42' }, // a classifier's label is any string, as before
  ]);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { stored: 3, unknown: [] });
  assert.deepEqual(await labels(ids), { 'r-1': '3.5', 'r-2': '-20', 'c-1': '42' });
});

test('a regression challenger is served beside the champion: every id gets the value of its own version', async () => {
  const v2 = await registerModelBytes(stack, 'price', linearRegressorOnnx(V2), 'run-p2', regressionCard());
  await deployVersion(stack.db, 'price', v2.version, 0.5, 'challenger');
  const served = async () => {
    const { models } = (await app.inject({ method: 'GET', url: '/v1/models' })).json() as { models: { name: string; challenger: { version: number } | null }[] };
    return models.find((m) => m.name === 'price')?.challenger?.version === 2;
  };
  assert.ok(await waitFor(served, 2000), 'challenger served');
  const ids = Array.from({ length: 200 }, (_, i) => `ab-${i}`);
  const instances = ids.map((_, i) => ({ x1: i / 10, x2: (i % 9) - 4 }));
  const { status, body } = await predict({ instances, requestIds: ids });
  assert.equal(status, 200);
  const challengers = body.predictions.filter((p) => p.variant === 'challenger').length;
  assert.ok(challengers > 60 && challengers < 140, `challenger got ${challengers} of 200`);
  body.predictions.forEach((p, i) => {
    assert.equal(p.version, p.variant === 'challenger' ? 2 : 1);
    const expected = linearValue(p.version === 2 ? V2 : V1, instances[i].x1, instances[i].x2);
    assert.ok(close(p.value, expected), `row ${i} (${p.variant}): ${p.value} vs ${expected}`);
  });
  await feedback([{ requestId: 'ab-0', label: '1' }]); // flushes the log
  const logged = await stack.db.query<{ model_version: number; value: number | null }>(
    `SELECT model_version, value FROM predictions WHERE request_id LIKE 'ab-%'`,
  );
  assert.equal(logged.rows.length, 200);
  assert.deepEqual(new Set(logged.rows.map((r) => r.model_version)), new Set([1, 2]));
  for (const row of logged.rows) assert.equal(typeof row.value, 'number');
});

test('a model whose card says regression but that has no "prediction" output is refused at load, saying why', async () => {
  const errors: string[] = [];
  const wrongName = await registerModelBytes(stack, 'no-prediction', linearRegressorOnnx({ ...V1, output: 'value' }), 'run-np', regressionCard());
  await deployVersion(stack.db, 'no-prediction', wrongName.version, 0, 'test');
  const classifier = await registerModelBytes(stack, 'classifier-as-regressor', await readFile(TINY_A), 'run-car', regressionCard());
  await deployVersion(stack.db, 'classifier-as-regressor', classifier.version, 0, 'test');
  const wide = await registerModelBytes(stack, 'two-targets', linearRegressorOnnx({ coefficients: [1, 0, 0, 1], intercepts: [0, 0], targets: 2 }), 'run-2t', regressionCard());
  await deployVersion(stack.db, 'two-targets', wide.version, 0, 'test');
  const pool = new ScoringPool({ threads: 1 });
  const registry = await ModelRegistry.start({
    db: stack.db,
    artifacts: stack.artifacts,
    pool,
    log: { info: () => undefined, error: (obj, msg) => errors.push(`${(obj as { model?: string }).model}: ${msg}: ${(obj as { err?: Error }).err?.message ?? ''}`) },
  });
  try {
    for (const name of ['no-prediction', 'classifier-as-regressor', 'two-targets']) assert.equal(registry.get(name), undefined, name);
    assert.ok(registry.get('price'), 'the good model is still served');
    const why = (name: string) => errors.find((e) => e.startsWith(`${name}:`)) ?? '';
    assert.match(why('no-prediction'), /champion not loaded.*a regression model must output "prediction" \(float \[N, 1\]\); this one lacks "prediction" \(it has: value\)/);
    assert.match(why('classifier-as-regressor'), /lacks "prediction" \(it has: label, probabilities\)/);
    assert.match(why('two-targets'), /output "prediction" must be float32 \[1, 1\], got float32 \[1, 2\]/);
  } finally {
    await registry.close();
    await pool.close();
  }
  assert.equal((await predict({ instances: [{ x1: 1, x2: 1 }] }, 'no-prediction')).status, 404);
});
