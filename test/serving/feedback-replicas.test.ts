// Two replicas on one prediction log: a label sent to replica B right after replica A answered is joined, not refused.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deployVersion } from '../../lib/store/models.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { FEEDBACK_GRACE_MS } from '../../serving/feedbackJoin.js';
import { registerFixture, startTestStack, TINY_A, type TestStack } from './harness.js';

let stack: TestStack;
let a: ServingApp;
let b: ServingApp;

before(async () => {
  stack = await startTestStack();
  const v1 = await registerFixture(stack, 'tiny', TINY_A, 'run-1');
  await deployVersion(stack.db, 'tiny', v1.version, 0, 'first');
  // Replica A writes its log in batches every 800 ms (it is busy); B gets the labels.
  a = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false, predictionLog: { intervalMs: 800 } });
  b = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false, predictionLog: { intervalMs: 60_000 } });
});
after(async () => {
  await a?.close();
  await b?.close();
  await stack?.stop();
});

test('a label reaching another replica before the answer is in the log waits for it, within the grace', async () => {
  const predicted = await a.app.inject({ method: 'POST', url: '/v1/models/tiny/predict', payload: { instances: [{ x1: 1, color: 'red' }], requestIds: ['across-1'] } });
  assert.equal(predicted.statusCode, 200, predicted.body);
  const inLog = await stack.db.query(`SELECT COUNT(*)::int AS n FROM predictions WHERE request_id = 'across-1'`);
  assert.equal(inLog.rows[0].n, 0, 'A still holds the answer in its buffer');
  const started = Date.now();
  const res = await b.app.inject({ method: 'POST', url: '/v1/feedback', payload: { feedback: [{ requestId: 'across-1', label: 'yes' }, { requestId: 'never-answered', label: 'no' }] } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { stored: 1, unknown: ['never-answered'] });
  const joined = await stack.db.query(`SELECT f.label FROM predictions p JOIN feedback f USING (request_id) WHERE p.request_id = 'across-1'`);
  assert.deepEqual(joined.rows, [{ label: 'yes' }]);
  // An id nobody answered is looked for no longer than the grace.
  assert.ok(Date.now() - started < FEEDBACK_GRACE_MS + 1500, `answered in ${Date.now() - started} ms`);
});
