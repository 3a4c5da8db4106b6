// The example's notify step POSTs through ctx.webhook: a versioned event, signed with MLCYCLE_WEBHOOK_SECRET, that a receiver verifies.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook, WEBHOOK_SECRET_VAR } from '../../lib/crypto/webhookSignature.js';
import { runStep } from '../../lib/steps/harness.js';
import { notifyWebhook } from '../../examples/weather-steps/steps.js';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { runIsolated } from '../../activities/stepIsolation.js';

const SECRET = 'notify-step-secret-0123456789';
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString('utf8')));
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.statusCode = req.url === '/refuse' ? 503 : 204;
    res.end();
  });
});
let base = '';
const previous = process.env[WEBHOOK_SECRET_VAR];

before(async () => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env[WEBHOOK_SECRET_VAR] = SECRET;
});
after(() => {
  server.close();
  if (previous === undefined) delete process.env[WEBHOOK_SECRET_VAR];
  else process.env[WEBHOOK_SECRET_VAR] = previous;
});

const inputs = { model: { name: 'weather', version: 4, sha256: 'ab'.repeat(32) }, deployment: { role: 'challenger' } } as never;

test("the notify step's POST carries a signature that verifies with the secret, and a versioned event", async () => {
  const r = await runStep(notifyWebhook, { inputs, with: { url: `${base}/hook`, failOnError: true } });
  assert.equal(r.data?.status, 204);
  const sent = received.at(-1)!;
  const verdict = verifyWebhook({ body: sent.body, timestamp: sent.headers[TIMESTAMP_HEADER] as string, signature: sent.headers[SIGNATURE_HEADER] as string, secret: SECRET });
  assert.equal(verdict.ok, true, JSON.stringify(verdict));
  const event = JSON.parse(sent.body) as Record<string, unknown>;
  assert.deepEqual({ version: event.version, kind: event.kind, event: event.event, model: event.model, deployed: event.deployed }, {
    version: 1, kind: 'step', event: 'deployed', model: { name: 'weather', version: 4, sha256: 'ab'.repeat(32) }, deployed: 'challenger',
  });
  // Tampered, or checked with another secret: refused.
  const tampered = verifyWebhook({ body: sent.body.replace('challenger', 'champion'), timestamp: sent.headers[TIMESTAMP_HEADER] as string, signature: sent.headers[SIGNATURE_HEADER] as string, secret: SECRET });
  assert.equal(tampered.ok, false);
  const wrong = verifyWebhook({ body: sent.body, timestamp: sent.headers[TIMESTAMP_HEADER] as string, signature: sent.headers[SIGNATURE_HEADER] as string, secret: 'another-secret-0123456789' });
  assert.equal(wrong.ok, false);
});

test('a receiver answering 503 fails the step (retryable) when failOnError, and is recorded otherwise', async () => {
  await assert.rejects(runStep(notifyWebhook, { inputs, with: { url: `${base}/refuse`, failOnError: true } }), /answered 503/);
  const recorded = await runStep(notifyWebhook, { inputs, with: { url: `${base}/refuse` } });
  assert.equal(recorded.data?.status, 503);
});

test('in the worker\'s step thread (as a run executes it) the POST is signed with the worker\'s secret', async () => {
  const before = received.length;
  const request = {
    module: join(PROJECT_ROOT, 'examples/weather-steps/steps.ts'), uses: 'notify-webhook', config: { url: `${base}/hook`, failOnError: true, timeoutMs: 5000 },
    inputs, context: { runId: 'lifecycle:weather-steps:x', pipeline: 'weather-steps', pipelineVersion: 'v', stepId: 'notify', attempt: 1 },
  };
  const host = { progress: () => undefined, log: () => undefined, loadTable: async () => { throw new Error('no tables'); }, saveTable: async () => { throw new Error('no tables'); } };
  const result = await runIsolated(request, host, { deadline: Date.now() + 20_000, signal: new AbortController().signal, memoryMb: 256, graceMs: 300 });
  assert.deepEqual((result as { data?: unknown }).data, { url: `${base}/hook`, status: 204 });
  assert.equal(received.length, before + 1);
  const sent = received.at(-1)!;
  const verdict = verifyWebhook({ body: sent.body, timestamp: sent.headers[TIMESTAMP_HEADER] as string, signature: sent.headers[SIGNATURE_HEADER] as string, secret: SECRET });
  assert.equal(verdict.ok, true, JSON.stringify(verdict));
  assert.equal((JSON.parse(sent.body) as { run: string }).run, 'lifecycle:weather-steps:x');
});
