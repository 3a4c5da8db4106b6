// Encrypted payloads end to end: a real run's history read raw is ciphertext; through the codec endpoint (HTTP, the CLI) it is the original.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { DEFAULT_CODEC_CORS_ORIGINS } from '../../lib/config/codec.js';
import { parseCodecKeys } from '../../lib/crypto/payloadCipher.js';
import { sealPayload } from '../../lib/crypto/payloadEnvelope.js';
import { payloadProto } from '../../lib/crypto/payloadProto.js';
import { completeResult, resolveMlPipeline, startLifecycle } from '../../triggers/client.js';
import { startTestStack, type TestStack } from '../harness.js';

type Payload = proto.temporal.api.common.v1.IPayload;
type JsonPayload = { metadata: Record<string, string>; data: string };

const OPERATOR = 'operator-token-0123456789';
const SCORER = 'scorer-token-0123456789ab';
/** Strings a reader of the raw history must not find: the pipeline's name, a feature's name, a class of the target. */
const SECRETS = ['codec-secret-pipeline', 'precipitation', 'drizzle'];
const keys = `2026-q1:${randomBytes(32).toString('base64')},2025-q4:${randomBytes(32).toString('base64')}`;

let stack: TestStack;
let workflowId: string;
let result: unknown;

before(async () => {
  stack = await startTestStack({
    env: {
      codec: { keys: parseCodecKeys(keys), corsOrigins: DEFAULT_CODEC_CORS_ORIGINS },
      tokens: [{ subject: 'ops', token: OPERATOR, roles: ['operate'] }, { subject: 'app', token: SCORER, roles: ['score'] }],
    },
  });
  const weather = await resolveMlPipeline('seattle-weather');
  const pipeline = { ...weather, name: SECRETS[0], search: { ...weather.search, trials: 2 } };
  const run = await startLifecycle(stack, pipeline, { reason: 'codec test' });
  workflowId = run.workflowId;
  result = await run.handle.result();
});
after(async () => {
  await stack?.teardown();
});

/** Every payload in the history, with where it is; search attributes are left out (indexed by the server, in clear by design). */
function payloadsIn(value: unknown, path: string, out: { path: string; payload: Payload }[]): void {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
  const v = value as Payload;
  if (v.data instanceof Uint8Array || (v.metadata && Object.values(v.metadata).some((m) => m instanceof Uint8Array))) {
    out.push({ path, payload: v });
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k === 'searchAttributes') continue;
    payloadsIn(v, `${path}.${k}`, out);
  }
}

async function rawHistory(): Promise<{ path: string; payload: Payload }[]> {
  // A client without the codec: what anyone with access to the Temporal server sees.
  const raw = new Client({ connection: stack.client.connection, namespace: stack.env.temporalNamespace });
  const history = await raw.workflow.getHandle(workflowId).fetchHistory();
  const found: { path: string; payload: Payload }[] = [];
  history.events?.forEach((e, i) => payloadsIn(e, `events[${i}]`, found));
  return found;
}

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

async function codec(path: 'encode' | 'decode', body: unknown, token: string | null = OPERATOR, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.info.httpUrl}/codec/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('the history read raw holds only ciphertext: every payload binary/encrypted with a key id, no name of the pipeline, its features or classes', async () => {
  const payloads = await rawHistory();
  assert.ok(payloads.length >= 20, `a whole lifecycle run's payloads (${payloads.length})`);
  const inputsAndResults = payloads.filter((p) => /\.(input|result)\./.test(p.path));
  assert.ok(inputsAndResults.length >= 10, 'workflow and activity inputs and results among them');
  for (const { path, payload } of payloads) {
    if (path.includes('markerRecordedEventAttributes.details.patch-data')) {
      // A patched() marker is written by the SDK's core, outside the codec: it holds the patch's id and nothing else.
      const marker = JSON.parse(Buffer.from(payload.data ?? []).toString()) as { id?: unknown };
      assert.match(String(marker.id), /^[a-z0-9-]+$/, `${path} holds only a patch id`);
    } else if (/markerRecordedEventAttributes\.details\.data\./.test(path)) {
      // A local activity's marker data is written by the SDK's core too: which activity, its attempt and times — its
      // input and result (details.result) go through the codec like any other.
      const marker = JSON.parse(Buffer.from(payload.data ?? []).toString()) as Record<string, unknown>;
      const known = ['seq', 'attempt', 'activity_id', 'activity_type', 'complete_time', 'backoff', 'original_schedule_time'];
      assert.deepEqual(Object.keys(marker).filter((k) => !known.includes(k)), [], `${path} holds only a local activity's identity: ${JSON.stringify(marker)}`);
    } else {
      assert.equal(Buffer.from(payload.metadata?.encoding ?? []).toString(), 'binary/encrypted', `${path} is sealed`);
      assert.equal(Buffer.from(payload.metadata?.['encryption-key-id'] ?? []).toString(), '2026-q1', `${path} names the encrypting key`);
    }
    const bytes = Buffer.from(proto.temporal.api.common.v1.Payload.encode(payload).finish());
    for (const secret of SECRETS) assert.equal(bytes.includes(secret), false, `${path} contains "${secret}"`);
  }
  // The client with the codec read the same run: the result is the original.
  assert.equal(completeResult(result as never).pipeline.name, SECRETS[0]);
});

test('through the codec endpoint (operator token) the workflow\'s input and result are the original JSON', async () => {
  const payloads = await rawHistory();
  const input = payloads.find((p) => p.path.includes('workflowExecutionStartedEventAttributes.input'));
  const output = payloads.find((p) => p.path.includes('workflowExecutionCompletedEventAttributes.result'));
  assert.ok(input && output);
  const { status, body } = await codec('decode', { payloads: [input.payload, output.payload].map(toJson) });
  assert.equal(status, 200, JSON.stringify(body));
  const [decodedInput, decodedResult] = body.payloads as JsonPayload[];
  for (const p of [decodedInput, decodedResult]) assert.equal(Buffer.from(p.metadata.encoding, 'base64').toString(), 'json/plain');
  const startInput = JSON.parse(Buffer.from(decodedInput.data, 'base64').toString()) as { pipeline: { name: string } };
  assert.equal(startInput.pipeline.name, SECRETS[0]);
  assert.deepEqual(JSON.parse(Buffer.from(decodedResult.data, 'base64').toString()), result);
  // encode → decode is the identity; an unsealed payload passes through decode unchanged.
  const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('{"a":1}').toString('base64') };
  const sealed = await codec('encode', { payloads: [plain] });
  assert.equal(Buffer.from((sealed.body.payloads as JsonPayload[])[0].metadata['encryption-key-id'], 'base64').toString(), '2026-q1');
  assert.deepEqual((await codec('decode', sealed.body)).body, { payloads: [plain] });
  assert.deepEqual((await codec('decode', { payloads: [plain] })).body, { payloads: [plain] });
});

test('refused clearly: no token, an unknown token, a scoring token, a key id not configured, altered ciphertext, a bad body', async () => {
  const [first] = await rawHistory();
  const body = { payloads: [toJson(first.payload)] };
  assert.equal((await codec('decode', body, null)).status, 401);
  const unknown = await codec('decode', body, 'not-a-known-token-0000');
  assert.equal(unknown.status, 401);
  const scorer = await codec('decode', body, SCORER);
  assert.equal(scorer.status, 403);
  assert.match(String(scorer.body.message), /lacks the role "operate"/);

  const foreign = parseCodecKeys(`2027-q1:${randomBytes(32).toString('base64')}`);
  const other = sealPayload(foreign, { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{}') }, payloadProto);
  const wrongKey = await codec('decode', { payloads: [toJson(first.payload), toJson(other)] });
  assert.equal(wrongKey.status, 422);
  assert.equal(wrongKey.body.keyId, '2027-q1');
  assert.match(String(wrongKey.body.message), /^payloads\[1\]: payload encrypted with key id "2027-q1", which is not configured/);

  const altered = Buffer.from(first.payload.data!);
  altered[altered.length - 5] ^= 1;
  const tampered = await codec('decode', { payloads: [{ ...toJson(first.payload), data: altered.toString('base64') }] });
  assert.equal(tampered.status, 422);
  assert.match(String(tampered.body.message), /failed authentication/);

  const bad = await codec('decode', { payloads: [{ metadata: { encoding: 'not base64!' } }] });
  assert.equal(bad.status, 400);
  assert.match(String(bad.body.message), /^payloads\[0\]\.metadata\.encoding must be a base64 string$/);
  assert.match(String((await codec('decode', { items: [] })).body.message), /^payloads must be an array/);
});

test('CORS for the Web UI: a preflight from an allowed origin without a token; other origins refused', async () => {
  const preflight = (origin: string): Promise<Response> =>
    fetch(`${stack.info.httpUrl}/codec/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' } });
  const ok = await preflight('http://localhost:8233');
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:8233');
  assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
  assert.match(ok.headers.get('access-control-allow-headers') ?? '', /authorization/);
  assert.equal((await preflight('https://evil.example')).status, 403);
  const fromUi = await codec('decode', { payloads: [] }, OPERATOR, { origin: 'http://127.0.0.1:8233' });
  assert.equal(fromUi.status, 200);
  const fromElsewhere = await codec('decode', { payloads: [] }, OPERATOR, { origin: 'https://evil.example' });
  assert.equal(fromElsewhere.status, 403);
  assert.match(String(fromElsewhere.body.message), /origin https:\/\/evil.example may not call the codec endpoint/);
});

const cli = join(PROJECT_ROOT, '.tools', 'bin', 'temporal');
test('`temporal workflow show`: ciphertext without the endpoint, the original with --codec-endpoint and --codec-auth', { skip: !existsSync(cli) && 'no Temporal CLI in .tools/bin' }, async () => {
  const show = async (...extra: string[]): Promise<string> => {
    const { stdout } = await promisify(execFile)(cli, ['workflow', 'show', '--address', stack.info.temporalAddress, '--workflow-id', workflowId, '--output', 'json', ...extra], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  };
  // The workflow's input as the CLI prints it with --output json (proto JSON: base64 metadata and data).
  const startInput = (stdout: string): unknown => {
    const events = (JSON.parse(stdout) as { events: Record<string, { input?: { payloads: unknown[] } }>[] }).events;
    const started = events.find((e) => e.workflowExecutionStartedEventAttributes)?.workflowExecutionStartedEventAttributes;
    assert.ok(started?.input, stdout.slice(0, 500));
    return started.input.payloads[0];
  };
  const raw = startInput(await show()) as JsonPayload;
  assert.equal(Buffer.from(raw.metadata.encoding, 'base64').toString(), 'binary/encrypted');
  assert.equal(JSON.stringify(raw).includes(SECRETS[0]), false);
  const decoded = startInput(await show('--codec-endpoint', `${stack.info.httpUrl}/codec`, '--codec-auth', `Bearer ${OPERATOR}`)) as JsonPayload;
  assert.equal(Buffer.from(decoded.metadata.encoding, 'base64').toString(), 'json/plain');
  const value = JSON.parse(Buffer.from(decoded.data, 'base64').toString()) as { pipeline: { name: string } };
  assert.equal(value.pipeline.name, SECRETS[0], 'the pipeline name shows through the codec endpoint');
  // A token without the operate role: the CLI gets 403s and gives up (its message does not carry the endpoint's reason).
  await assert.rejects(show('--codec-endpoint', `${stack.info.httpUrl}/codec`, '--codec-auth', `Bearer ${SCORER}`, '--command-timeout', '3s'), (err: Error & { stdout?: string }) => {
    assert.equal(err.stdout?.includes(SECRETS[0]) ?? false, false);
    return /Command failed/.test(err.message);
  });
});
