// The payload cipher: round trip, rotation, unknown key ids and tampering refused by name, bad key configuration refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PayloadCipher, PayloadDecryptError, parseCodecKeys, readCodecKeys } from '../../lib/crypto/payloadCipher.js';
import { parseCorsOrigins, readCodecConfig, DEFAULT_CODEC_CORS_ORIGINS } from '../../lib/config/codec.js';

const b64 = (n = 32): string => randomBytes(n).toString('base64');
const text = new TextEncoder().encode('{"pipeline":"weather-steps","metrics":{"auc":0.91}}');

test('round trip; every encryption has its own IV; nothing of the plaintext shows', () => {
  const cipher = parseCodecKeys(`k1:${b64()}`);
  const a = cipher.encrypt(text);
  const b = cipher.encrypt(text);
  assert.equal(a.keyId, 'k1');
  assert.equal(a.data.length, 12 + text.length + 16);
  assert.notDeepEqual(Buffer.from(a.data), Buffer.from(b.data));
  assert.equal(Buffer.from(a.data).includes('weather'), false);
  assert.deepEqual(Buffer.from(cipher.decrypt('k1', a.data)), Buffer.from(text));
});

test('rotation: the new key encrypts, the old one still decrypts; a key dropped too early is named', () => {
  const oldKey = b64();
  const newKey = b64();
  const before = parseCodecKeys(`2025-q4:${oldKey}`);
  const rotated = parseCodecKeys(`2026-q1:${newKey}, 2025-q4:${oldKey}`);
  const old = before.encrypt(text);
  assert.deepEqual(Buffer.from(rotated.decrypt(old.keyId, old.data)), Buffer.from(text));
  const fresh = rotated.encrypt(text);
  assert.equal(fresh.keyId, '2026-q1');
  assert.deepEqual(rotated.keyIds, ['2026-q1', '2025-q4']);
  assert.throws(
    () => before.decrypt(fresh.keyId, fresh.data),
    (err: unknown) => err instanceof PayloadDecryptError && err.reason === 'unknown-key' && err.keyId === '2026-q1' && /key id "2026-q1", which is not configured \(configured: 2025-q4\)/.test(err.message),
  );
});

test('tampering is refused: a flipped ciphertext bit, a swapped tag, another key under the same id, a relabelled key id', () => {
  const key = b64();
  const cipher = parseCodecKeys(`a:${key},b:${key}`);
  const { data } = cipher.encrypt(text);
  const authFailed = (keyId: string, bytes: Uint8Array): void => {
    assert.throws(() => cipher.decrypt(keyId, bytes), (err: unknown) => err instanceof PayloadDecryptError && err.reason === 'authentication-failed' && /failed authentication/.test(err.message));
  };
  const flipped = Buffer.from(data);
  flipped[20] ^= 1;
  authFailed('a', flipped);
  const badTag = Buffer.from(data);
  badTag[badTag.length - 1] ^= 0x80;
  authFailed('a', badTag);
  // The same key bytes under another id still fail: the key id is authenticated.
  authFailed('b', data);
  const other = parseCodecKeys(`a:${b64()}`);
  assert.throws(() => other.decrypt('a', data), /failed authentication/);
  assert.throws(() => cipher.decrypt('a', new Uint8Array(10)), (err: unknown) => err instanceof PayloadDecryptError && err.reason === 'malformed');
});

test('bad key configuration is refused, naming the variable and the entry', () => {
  const refused = (value: string, message: RegExp): void => {
    assert.throws(() => readCodecKeys({ MLCYCLE_CODEC_KEYS: value }), (err: Error) => err.name === 'CodecKeyError' && message.test(err.message));
  };
  refused(`k1:${b64(16)}`, /^MLCYCLE_CODEC_KEYS: key "k1" is 16 bytes; AES-256 needs exactly 32/);
  refused(`k1:${b64()},k1:${b64()}`, /^MLCYCLE_CODEC_KEYS: key id "k1" is given twice$/);
  refused(`bad id:${b64()}`, /^MLCYCLE_CODEC_KEYS: key 1 has id "bad id"; ids are 1-64 of A-Z a-z 0-9 \. _ -$/);
  refused(`k1:${b64()},k2`, /^MLCYCLE_CODEC_KEYS: entry 2 must be id:base64-of-32-bytes$/);
  refused('k1:not base64!', /^MLCYCLE_CODEC_KEYS: entry 1 \(key "k1"\) is not base64$/);
  refused(`:${b64()}`, /^MLCYCLE_CODEC_KEYS: entry 1 must be id:base64/);
  assert.throws(() => readCodecKeys({ MLCYCLE_CODEC_KEYS: `k:${b64()}`, MLCYCLE_CODEC_KEYS_FILE: '/x' }), /set MLCYCLE_CODEC_KEYS or MLCYCLE_CODEC_KEYS_FILE, not both/);
  assert.throws(() => new PayloadCipher([]), /no key given/);
  assert.equal(readCodecKeys({}), null);
});

test('MLCYCLE_CODEC_KEYS_FILE: one id:base64 a line, comments skipped; a missing, writable-by-others or bad file is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlcycle-keys-'));
  try {
    const file = join(dir, 'keys');
    writeFileSync(file, `# rotated 2026-01\nnew:${b64()}\n\nold:${b64()}\n`, { mode: 0o600 });
    const cipher = readCodecKeys({ MLCYCLE_CODEC_KEYS_FILE: file })!;
    assert.deepEqual(cipher.keyIds, ['new', 'old']);
    assert.equal(cipher.encryptingKeyId, 'new');
    chmodSync(file, 0o666);
    assert.throws(() => readCodecKeys({ MLCYCLE_CODEC_KEYS_FILE: file }), new RegExp(`^CodecKeyError: MLCYCLE_CODEC_KEYS_FILE ${file}: the file is writable by group or others; chmod 600`));
    writeFileSync(file, `new:${b64()}\nold:${b64(31)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    assert.throws(() => readCodecKeys({ MLCYCLE_CODEC_KEYS_FILE: file }), /MLCYCLE_CODEC_KEYS_FILE .*: key "old" is 31 bytes/);
    writeFileSync(file, `new=${b64()}\n`);
    assert.throws(() => readCodecKeys({ MLCYCLE_CODEC_KEYS_FILE: file }), /MLCYCLE_CODEC_KEYS_FILE .*: line 1 must be id:base64-of-32-bytes/);
    assert.throws(() => readCodecKeys({ MLCYCLE_CODEC_KEYS_FILE: join(dir, 'none') }), /MLCYCLE_CODEC_KEYS_FILE .*none: no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('codec endpoint origins: the local Web UI by default; a list of exact origins; a path or a wildcard refused', () => {
  assert.deepEqual(readCodecConfig({}).corsOrigins, DEFAULT_CODEC_CORS_ORIGINS);
  assert.equal(readCodecConfig({}).keys, null);
  assert.deepEqual(parseCorsOrigins('https://ui.example.com, http://10.0.0.5:8080'), ['https://ui.example.com', 'http://10.0.0.5:8080']);
  assert.throws(() => parseCorsOrigins('https://ui.example.com/namespaces'), /^Error: MLCYCLE_CODEC_CORS_ORIGINS: "https:\/\/ui.example.com\/namespaces" is not an origin/);
  assert.throws(() => parseCorsOrigins('*'), /"\*" is not an origin/);
});
