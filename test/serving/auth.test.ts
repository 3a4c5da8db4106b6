// Bearer tokens with roles: 401 without a known token, 403 without the route's role, health open; config named by path.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AuthConfigError, isLoopback, parseTokenList, readTokens } from '../../lib/config/auth.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { startTestStack, type TestStack } from './harness.js';
import { startStack } from '../../stack/stack.js';
import { readEnv } from '../../lib/config/env.js';
import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { parseCodecKeys } from '../../lib/crypto/payloadCipher.js';
import { registerStartApi } from '../../triggers/httpApi.js';
import { openApiDocument, REGENERATE } from '../../triggers/contractFiles.js';

let stack: TestStack;
let serving: ServingApp;
const SCORER = 'scorer-token-0123456789';
const LABELLER = 'labeller-token-0123456789';

before(async () => {
  stack = await startTestStack();
  const tokens = parseTokenList(`svc-score:${SCORER}:score,labels-bot:${LABELLER}:feedback`);
  // Every route the server can have: the codec endpoint, and the start API as `mlcycle dev` and a replica with Temporal mount it.
  const codec = { cipher: parseCodecKeys(`k1:${randomBytes(32).toString('base64')}`), corsOrigins: ['http://localhost:8233'] };
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false, tokens, codec });
  registerStartApi(serving.app, { client: {} as Client, db: stack.db, dataRoots: [] });
});
after(async () => {
  await serving?.close();
  await stack?.stop();
});

const call = (method: 'GET' | 'POST', url: string, token?: string, payload?: unknown) =>
  serving.app.inject({ method, url, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });

test('health needs no token; everything else needs a known one', async () => {
  assert.equal((await call('GET', '/healthz')).statusCode, 200);
  const none = await call('GET', '/v1/models');
  assert.equal(none.statusCode, 401);
  assert.equal(none.headers['www-authenticate'], 'Bearer');
  assert.deepEqual(none.json(), { error: 'Unauthorized', message: 'a bearer token is required: Authorization: Bearer <token>' });
  const wrong = await call('GET', '/v1/models', 'not-a-token-we-know-at-all');
  assert.equal(wrong.statusCode, 401);
  assert.match(wrong.json().message, /not one this service knows/);
  assert.equal((await call('GET', '/v1/models', SCORER)).statusCode, 200);
});

test('each route needs its role: score for predictions, feedback for labels and edge logs', async () => {
  const predict = await call('POST', '/v1/models/absent/predict', LABELLER, { instances: [{ x: 1 }] });
  assert.equal(predict.statusCode, 403);
  assert.equal(predict.json().message, 'the token of "labels-bot" lacks the role "score" that POST /v1/models/:name/predict needs');
  const feedback = await call('POST', '/v1/feedback', SCORER, { feedback: [{ requestId: 'r1', label: 'yes' }] });
  assert.equal(feedback.statusCode, 403);
  assert.match(feedback.json().message, /"svc-score" lacks the role "feedback"/);
  // With the right role the request reaches the route (which answers for itself: no model, no prediction).
  assert.equal((await call('POST', '/v1/models/absent/predict', SCORER, { instances: [{ x: 1 }] })).statusCode, 404);
  assert.equal((await call('POST', '/v1/feedback', LABELLER, { feedback: [{ requestId: 'r1', label: 'yes' }] })).statusCode, 404);
  // An edge bundle's log posts are labels' kin: the feedback role.
  const edgeLog = await call('POST', '/v1/models/absent/log', SCORER, { batchId: crypto.randomUUID(), version: 1, records: [] });
  assert.match(edgeLog.json().message, /"svc-score" lacks the role "feedback" that POST \/v1\/models\/:name\/log needs/);
  assert.equal((await call('POST', '/v1/models/absent/log', LABELLER, { batchId: crypto.randomUUID(), version: 1, records: [] })).statusCode, 404);
  const metrics = await call('GET', '/metrics', SCORER);
  assert.equal(metrics.statusCode, 403);
  assert.match(metrics.json().message, /lacks the role "operate" that GET \/metrics needs/);
});

test('token configuration is checked, each mistake named by where it is, never by the token', () => {
  assert.throws(() => parseTokenList('alice:short:score'), (err: Error) => {
    assert.ok(err instanceof AuthConfigError);
    assert.match(err.message, /tokens\.0\.token: must be at least 16 characters/);
    assert.doesNotMatch(err.message, /short/);
    return true;
  });
  assert.throws(() => parseTokenList('alice:0123456789abcdef:score+Model_Risk'), /tokens\.0\.roles\.1: must be a role name/);
  // A role a definition names for its approvals is a role too.
  assert.deepEqual(parseTokenList('carol:0123456789abcdef:model-risk+score')[0].roles, ['model-risk', 'score']);
  assert.throws(() => parseTokenList('alice-0123456789abcdef'), /MLCYCLE_TOKENS entry 1 must be subject:token:role\+role/);
  assert.throws(() => parseTokenList('a:0123456789abcdef:score,b:0123456789abcdef:feedback'), /tokens\.1\.token: is given twice/);
  assert.throws(() => readTokens({ MLCYCLE_TOKENS_FILE: '/nonexistent/tokens.json' }), /MLCYCLE_TOKENS_FILE \/nonexistent\/tokens\.json: no such file/);
  assert.equal(readTokens({}), null);
  assert.deepEqual([isLoopback('127.0.0.1'), isLoopback('::1'), isLoopback('0.0.0.0'), isLoopback('10.1.2.3')], [true, true, false, false]);
});

test('the stack refuses to serve beyond this machine without tokens, before it starts anything', async () => {
  const env = { ...readEnv({ MLCYCLE_STATE_DIR: '/nonexistent/never-created' }), httpHost: '0.0.0.0' };
  await assert.rejects(startStack({ env }), /serving on 0\.0\.0\.0 needs bearer tokens: set MLCYCLE_TOKENS_FILE or MLCYCLE_TOKENS/);
});

test('GET /openapi.json needs no token and describes exactly the routes the server registered (the committed document)', async () => {
  const res = await call('GET', '/openapi.json');
  assert.equal(res.statusCode, 200);
  // The served document lists the routes Fastify registered (serving/openapi.ts: an undescribed one fails the start);
  // equal to the committed one, so a route described but never registered, or changed without regenerating, fails here.
  assert.deepEqual(res.json(), openApiDocument(), `the served document differs from contracts/openapi/mlcycle.json's source: ${REGENERATE}`);
});
