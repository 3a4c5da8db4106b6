// Tests for the access log of the serving app: answered predictions are not access-logged, failed ones and other routes are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { ServingLogController } from '../../serving/requestLog.js';

async function appLogging(everyScoringRequest?: boolean): Promise<{ lines: Record<string, unknown>[]; inject: (url: string) => Promise<number> }> {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
  const app = Fastify({ loggerInstance: pino({ level: 'info' }, stream), logController: new ServingLogController(everyScoringRequest) });
  app.post<{ Params: { name: string } }>('/v1/models/:name/predict', async (req, reply) => (req.params.name === 'bad' ? reply.code(400).send({ error: 'BadInput' }) : { ok: true }));
  app.post('/v2/models/:name/infer', async () => { throw new Error('broken'); });
  app.get('/v1/models', async () => ({ models: [] }));
  await app.ready();
  const inject = async (url: string): Promise<number> => (await app.inject({ method: url.startsWith('/v1/models/') || url.startsWith('/v2/') ? 'POST' : 'GET', url, payload: {} })).statusCode;
  return { lines, inject };
}

test('an answered prediction writes no access lines; a refused or failed one writes one with its URL; other routes two', async () => {
  const { lines, inject } = await appLogging();
  assert.equal(await inject('/v1/models/m/predict'), 200);
  assert.equal(lines.length, 0);
  assert.equal(await inject('/v1/models/bad/predict'), 400);
  assert.equal(lines.length, 1);
  assert.equal((lines[0].req as { url: string }).url, '/v1/models/bad/predict');
  assert.equal((lines[0].res as { statusCode: number }).statusCode, 400);
  lines.length = 0;
  assert.equal(await inject('/v2/models/m/infer'), 500);
  assert.ok(lines.some((l) => (l.req as { url?: string } | undefined)?.url === '/v2/models/m/infer' && (l.res as { statusCode: number }).statusCode === 500));
  lines.length = 0;
  assert.equal(await inject('/v1/models'), 200);
  assert.deepEqual(lines.map((l) => l.msg), ['incoming request', 'request completed']);
});

test('everyScoringRequest logs answered predictions too', async () => {
  const { lines, inject } = await appLogging(true);
  assert.equal(await inject('/v1/models/m/predict'), 200);
  assert.deepEqual(lines.map((l) => l.msg), ['incoming request', 'request completed']);
});
