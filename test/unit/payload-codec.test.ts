// The payload codec over the cipher: sealed payloads carry only ciphertext; old plaintext passes through; the endpoint's protobuf matches the SDK's.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { parseCodecKeys } from '../../lib/crypto/payloadCipher.js';
import { openPayload, sealPayload } from '../../lib/crypto/payloadEnvelope.js';
import { payloadProto } from '../../lib/crypto/payloadProto.js';
import { EncryptionCodec, dataConverter } from '../../temporal/codec.js';

const key = (): string => randomBytes(32).toString('base64');
const utf8 = (b: Uint8Array | null | undefined): string => Buffer.from(b ?? []).toString('utf8');
const bufs = (m: Record<string, Uint8Array> | null | undefined): Record<string, Buffer> => Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
const input = { pipeline: 'weather-steps', features: ['precipitation', 'temp_max'], metrics: { accuracy: 0.87 } };

test('encode seals every payload: binary/encrypted, the key id, and no plaintext; decode gives back the original', async () => {
  const codec = new EncryptionCodec(parseCodecKeys(`k1:${key()}`));
  const original = [defaultPayloadConverter.toPayload(input), defaultPayloadConverter.toPayload(null), defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3]))];
  const sealed = await codec.encode(original);
  assert.equal(sealed.length, 3);
  for (const p of sealed) {
    assert.deepEqual(Object.keys(p.metadata ?? {}).sort(), ['encoding', 'encryption-key-id']);
    assert.equal(utf8(p.metadata?.encoding), 'binary/encrypted');
    assert.equal(utf8(p.metadata?.['encryption-key-id']), 'k1');
    assert.equal(Buffer.from(p.data!).includes('weather'), false);
    assert.equal(Buffer.from(p.data!).includes('json/plain'), false);
  }
  const opened = await codec.decode(sealed);
  assert.deepEqual(defaultPayloadConverter.fromPayload(opened[0]), input);
  assert.equal(defaultPayloadConverter.fromPayload(opened[1]), null);
  assert.deepEqual([...defaultPayloadConverter.fromPayload<Uint8Array>(opened[2])], [1, 2, 3]);
});

test('decode passes through payloads recorded before the codec was on; a sealed one without its key id is refused', async () => {
  const codec = new EncryptionCodec(parseCodecKeys(`k1:${key()}`));
  const plain = defaultPayloadConverter.toPayload(input);
  assert.deepEqual(await codec.decode([plain]), [plain]);
  const sealed = (await codec.encode([plain]))[0];
  await assert.rejects(codec.decode([{ metadata: { encoding: sealed.metadata!.encoding }, data: sealed.data }]), /an encrypted payload has no "encryption-key-id" metadata/);
});

test('a payload sealed under a key this codec lacks: the error names the key id', async () => {
  const writer = new EncryptionCodec(parseCodecKeys(`2026-q1:${key()}`));
  const reader = new EncryptionCodec(parseCodecKeys(`2025-q4:${key()}`));
  const sealed = await writer.encode([defaultPayloadConverter.toPayload(input)]);
  await assert.rejects(reader.decode(sealed), /key id "2026-q1", which is not configured/);
});

test('dataConverter: the codec when keys are configured, undefined (the SDK default) when not', () => {
  assert.equal(dataConverter(null), undefined);
  const dc = dataConverter(parseCodecKeys(`k1:${key()}`));
  assert.ok(dc?.payloadCodecs?.[0] instanceof EncryptionCodec);
});

test('the wire-format serializer (used where Temporal is not imported) and the SDK\'s protobuf read each other', () => {
  const Sdk = proto.temporal.api.common.v1.Payload;
  const payloads: Payload[] = [
    defaultPayloadConverter.toPayload(input),
    { metadata: { encoding: new TextEncoder().encode('binary/null') } },
    { metadata: {}, data: randomBytes(70_000) },
    { metadata: { a: new Uint8Array(0), 'ünï': new Uint8Array([0, 255]) }, data: new Uint8Array([7]) },
  ];
  for (const p of payloads) {
    const ours = payloadProto.encode(p);
    const theirs = Sdk.encode(p).finish();
    assert.deepEqual(Buffer.from(ours), Buffer.from(theirs));
    const back = Sdk.decode(ours);
    assert.deepEqual(bufs(back.metadata), bufs(p.metadata));
    assert.deepEqual(Buffer.from(back.data ?? []), Buffer.from(p.data ?? []));
    const mine = payloadProto.decode(theirs);
    assert.deepEqual(bufs(mine.metadata), bufs(p.metadata));
    assert.deepEqual(Buffer.from(mine.data ?? []), Buffer.from(p.data ?? []));
  }
  // external_payloads (field 3) cannot pass through the endpoint's serializer: refused, not dropped.
  const withExternal = Sdk.encode({ data: new Uint8Array([1]), externalPayloads: [{}] }).finish();
  assert.throws(() => payloadProto.decode(withExternal), /Payload field 3 \(external_payloads\) is not supported here/);
});

test('a payload sealed by the worker\'s codec opens with the endpoint\'s serializer, and the other way round', async () => {
  const cipher = parseCodecKeys(`k1:${key()}`);
  const codec = new EncryptionCodec(cipher);
  const p = defaultPayloadConverter.toPayload(input);
  const byWorker = (await codec.encode([p]))[0];
  assert.deepEqual(defaultPayloadConverter.fromPayload(openPayload(cipher, byWorker, payloadProto) as Payload), input);
  const byEndpoint = sealPayload(cipher, p, payloadProto) as Payload;
  assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([byEndpoint]))[0]), input);
});
