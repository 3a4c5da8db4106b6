// Signed webhooks: what mlcycle sends verifies with the secret (in Node and in the README's Python); a tampered body, a wrong secret and an old replay do not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSecrets } from '../../lib/crypto/webhookSignature.js';
// As a receiver imports it (README "Signed webhooks").
import { verifyWebhook } from 'mlcycle/webhooks';
import { postWebhook } from '../../lib/webhooks/post.js';

const SECRET = 'whsec-0123456789abcdef';
const received: { body: string; headers: IncomingHttpHeaders }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    received.push({ body, headers: req.headers });
    res.writeHead(204).end();
  });
});
let url = '';

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
after(() => server.close());

/** Sends one event as mlcycle does and returns what the receiver got. */
async function send(env: NodeJS.ProcessEnv): Promise<{ body: string; timestamp: string | undefined; signature: string | undefined }> {
  const sent = await postWebhook(url, { kind: 'repair', event: 'parked', workflowId: 'lifecycle:x:1' }, { env });
  assert.equal(sent.status, 204, sent.said);
  const got = received.at(-1);
  assert.ok(got);
  return { body: got.body, timestamp: got.headers[TIMESTAMP_HEADER] as string | undefined, signature: got.headers[SIGNATURE_HEADER] as string | undefined };
}

/** The README's Python verifier (stdlib only) on the same case. */
function python(c: { body: string; timestamp?: string; signature?: string; secret: string; now?: number }): string {
  const r = spawnSync('python3', [join(PROJECT_ROOT, 'test/fixtures/python/verify_webhook.py')], { input: JSON.stringify(c), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('a webhook sent with a secret verifies, in Node and in Python; its body is a versioned event', async () => {
  const got = await send({ MLCYCLE_WEBHOOK_SECRET: SECRET });
  assert.deepEqual(JSON.parse(got.body), { version: 1, kind: 'repair', event: 'parked', workflowId: 'lifecycle:x:1' });
  const verdict = verifyWebhook({ ...got, secret: SECRET });
  assert.equal(verdict.ok, true, JSON.stringify(verdict));
  assert.equal(python({ ...got, secret: SECRET } as never), 'ok');
});

test('a tampered body, a wrong secret and a replay older than five minutes are refused, in Node and in Python', async () => {
  const got = await send({ MLCYCLE_WEBHOOK_SECRET: SECRET });
  const tampered = { ...got, body: got.body.replace('parked', 'healed') };
  assert.deepEqual(verifyWebhook({ ...tampered, secret: SECRET }), { ok: false, reason: 'the signature does not match the body with this secret' });
  assert.equal(python({ ...tampered, secret: SECRET } as never), 'the signature does not match');
  assert.equal(verifyWebhook({ ...got, secret: 'another-secret-0123456789' }).ok, false);
  assert.equal(python({ ...got, secret: 'another-secret-0123456789' } as never), 'the signature does not match');
  const sentMs = Number(got.timestamp) * 1000;
  const replay = verifyWebhook({ ...got, secret: SECRET, nowMs: sentMs + 301_000 });
  assert.equal(replay.ok, false);
  assert.match(!replay.ok ? replay.reason : '', /^sent 301 s from now: outside the 300 s tolerance/);
  assert.equal(verifyWebhook({ ...got, secret: SECRET, nowMs: sentMs + 299_000 }).ok, true, 'within five minutes');
  assert.equal(python({ ...got, secret: SECRET, now: sentMs / 1000 + 301 } as never), 'timestamp outside the tolerance (a replay, or a clock off)');
  assert.deepEqual(verifyWebhook({ body: got.body, timestamp: undefined, signature: got.signature, secret: SECRET }), { ok: false, reason: 'missing the mlcycle-timestamp header' });
});

test('during a rotation both secrets sign, so a receiver holding either verifies; without a secret nothing is signed; a short one is refused', async () => {
  const next = 'whsec-next-0123456789ab';
  const got = await send({ MLCYCLE_WEBHOOK_SECRET: `${next},${SECRET}` });
  assert.equal(got.signature?.split(',').length, 2);
  assert.equal(verifyWebhook({ ...got, secret: SECRET }).ok, true);
  assert.equal(verifyWebhook({ ...got, secret: next }).ok, true);
  const unsigned = await send({});
  assert.deepEqual([unsigned.timestamp, unsigned.signature], [undefined, undefined]);
  assert.throws(() => webhookSecrets({ MLCYCLE_WEBHOOK_SECRET: 'short' }), /MLCYCLE_WEBHOOK_SECRET: secret 1 is 5 characters; each must have at least 16/);
});
