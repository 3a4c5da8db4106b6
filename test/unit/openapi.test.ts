// The OpenAPI document: valid 3.1, every route with its role and error bodies, the committed files current, an undescribed route refused.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import Fastify from 'fastify';
import type { Client } from '@temporalio/client';
import { SERVING_ROUTES } from '../../serving/apiRoutes.js';
import { routeRole } from '../../serving/auth.js';
import { installOpenApi, UndescribedRoute } from '../../serving/openapi.js';
import { contractFiles, openApiDocument, REGENERATE, REPO_ROOT } from '../../triggers/contractFiles.js';
import { registerStartApi } from '../../triggers/httpApi.js';
import type { Db } from '../../lib/store/db.js';

type Operation = { 'x-mlcycle-role': string | null; security: Record<string, string[]>[]; responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>; requestBody?: unknown };
const operations = (doc: Record<string, unknown>): [string, Operation][] =>
  Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]): [string, Operation] => [`${m.toUpperCase()} ${path}`, op]));

test('the document is valid OpenAPI 3.1', async () => {
  const validator = new Validator();
  const result = await validator.validate(openApiDocument());
  assert.deepEqual(result.errors, undefined);
  assert.equal(result.valid, true);
  assert.equal(validator.version, '3.1');
});

test('every operation names its role, and answers 401/403 when it has one, 400/413 when it takes a body, 500 always, with the error body', () => {
  const ops = operations(openApiDocument());
  assert.ok(ops.length >= 25, `only ${ops.length} operations`);
  for (const [key, op] of ops) {
    const url = key.split(' ')[1].replace(/\{([^}]+)\}/g, ':$1').replace(/:path$/, '*');
    assert.equal(op['x-mlcycle-role'], routeRole(url), `${key}: x-mlcycle-role`);
    const codes = Object.keys(op.responses);
    assert.ok(codes.includes('500'), `${key}: 500`);
    if (op['x-mlcycle-role'] === null) assert.deepEqual(op.security, [], `${key}: no token needed`);
    else {
      assert.ok(codes.includes('401') && codes.includes('403'), `${key}: 401 and 403`);
      assert.deepEqual(op.security, [{ bearerToken: op['x-mlcycle-role'] === '*' ? [] : [op['x-mlcycle-role']] }], `${key}: security`);
    }
    if (op.requestBody) assert.ok(codes.includes('400') && codes.includes('413'), `${key}: 400 and 413`);
    const errorRef = key.includes(' /v2') ? '#/components/schemas/OipError' : '#/components/schemas/Error';
    for (const code of codes.filter((c) => Number(c) >= 400 && !(key === 'GET /v2/health/ready' && c === '503'))) {
      assert.equal(op.responses[code].content?.['application/json'].schema.$ref, errorRef, `${key} ${code}: error body`);
    }
  }
  const predict = ops.find(([k]) => k === 'POST /v1/models/{name}/predict')![1];
  assert.equal(predict['x-mlcycle-role'], 'score');
  assert.deepEqual(Object.keys(predict.responses), ['200', '400', '401', '403', '404', '413', '500', '503']);
});

test(`the committed document is the generated one (else: ${REGENERATE})`, () => {
  const path = 'contracts/openapi/mlcycle.json';
  let committed: string | null = null;
  try {
    committed = readFileSync(new URL(path, REPO_ROOT), 'utf8');
  } catch {
    committed = null;
  }
  assert.ok(committed === contractFiles().get(path), `${path} is ${committed === null ? 'missing' : 'stale'}: run \`${REGENERATE}\` and commit it`);
});

test('the start API registers only described routes, and the served document lists them', async () => {
  const app = Fastify();
  installOpenApi(app, '0.0.0', SERVING_ROUTES);
  registerStartApi(app, { client: {} as Client, db: {} as Db, dataRoots: [] });
  await app.ready();
  const served = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<Record<string, unknown>>();
  const keys = operations(served).map(([k]) => k);
  assert.ok(keys.includes('POST /v1/runs') && keys.includes('POST /v1/rollouts/{model}/{command}') && keys.includes('GET /v1/lineage/snapshots/{id}'), keys.join(', '));
  assert.ok(!keys.includes('POST /v1/models/{name}/predict'), 'a route this app did not register is not served');
  await app.close();
});

test('a route registered without a description stops the app, naming the route and where to describe it', () => {
  const app = Fastify();
  installOpenApi(app, '0.0.0', SERVING_ROUTES);
  assert.throws(
    () => app.post('/v1/models/:name/undescribed', async () => ({})),
    (err: Error) => err instanceof UndescribedRoute && /POST \/v1\/models\/:name\/undescribed is registered without an OpenAPI description/.test(err.message) && /serving\/apiRoutes\.ts/.test(err.message),
  );
});
