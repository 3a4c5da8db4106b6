// Pii: the definition's rules (named by path), the key (MLCYCLE_PII_KEY), keyed hashing of tables and request records, worker metrics address.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { parsePipeline, PipelineError } from '../../lib/config/pipeline.js';
import { applyPiiToTable, piiRecordTransform } from '../../lib/data/pii.js';
import { isHashed, piiCacheIdentity, PiiKey, PiiKeyError, readPiiKey, requirePiiKey } from '../../lib/data/piiKey.js';
import { DataError } from '../../lib/data/errors.js';
import type { Table } from '../../lib/data/table.js';
import { encodeSnapshot } from '../../lib/data/snapshot.js';
import { profileTable } from '../../lib/data/profile.js';
import { workerMetricsAddress } from '../../lib/config/workerMetrics.js';
import { servingPii } from '../../serving/pii.js';
import { parseUnit } from '../../triggers/eraseCommand.js';
import { piiForVersion } from '../../activities/ingestPii.js';

const KEY_BYTES = randomBytes(32);
const key = new PiiKey(KEY_BYTES);

function base(pii?: unknown): Record<string, unknown> {
  return {
    name: 'p', data: { path: 'x.csv' }, target: 'y', features: { numeric: ['a'], categorical: ['customer_id'] },
    search: { space: { logreg: { l2: [0.1] } } }, ...(pii === undefined ? {} : { pii }),
  };
}

function problem(pii: unknown): string {
  try {
    parsePipeline(base(pii), 'test.json', '/tmp');
  } catch (err) {
    assert.ok(err instanceof PipelineError);
    return err.message;
  }
  return assert.fail('expected a PipelineError');
}

test('pii rules: fields beyond the features may be dropped or hashed; a categorical feature may be hashed', () => {
  const p = parsePipeline(base({ user_email: 'drop', customer_id: 'hash', ip: 'hash' }), 'test.json', '/tmp');
  assert.deepEqual(p.pii, { user_email: 'drop', customer_id: 'hash', ip: 'hash' });
  assert.equal(parsePipeline(base(), 'test.json', '/tmp').pii, undefined, 'absent stays absent (definition versions unchanged)');
});

test('pii rules: every mistake is refused naming its path', () => {
  assert.match(problem({ user_email: 'mask' }), /pii\.user_email: must be "drop" or "hash"/);
  assert.match(problem({ y: 'hash' }), /pii\.y: "y" is the target/);
  assert.match(problem({ customer_id: 'drop' }), /pii\.customer_id: "customer_id" is a feature: a dropped field cannot be learned from/);
  assert.match(problem({ a: 'hash' }), /pii\.a: "a" is a numeric feature: a hashed field is categorical/);
  assert.match(problem({ '': 'drop' }), /pii/);
  assert.match(problem(['user_email']), /pii/);
});

test('MLCYCLE_PII_KEY: base64 of at least 32 bytes; anything else is an error naming the variable, never the value', () => {
  assert.equal(readPiiKey({}), null);
  assert.equal(readPiiKey({ MLCYCLE_PII_KEY: KEY_BYTES.toString('base64') })?.id, key.id);
  assert.equal(readPiiKey({ MLCYCLE_PII_KEY: KEY_BYTES.toString('base64url') })?.id, key.id, 'base64url works too');
  const short = randomBytes(16).toString('base64');
  assert.throws(() => readPiiKey({ MLCYCLE_PII_KEY: short }), (e: Error) => e instanceof PiiKeyError && /MLCYCLE_PII_KEY must decode to at least 32 bytes, it has 16/.test(e.message) && !e.message.includes(short));
  assert.throws(() => readPiiKey({ MLCYCLE_PII_KEY: 'not base64 at all!' }), /MLCYCLE_PII_KEY is not base64/);
  assert.throws(() => requirePiiKey('pipeline p', ['customer_id'], {}), /MLCYCLE_PII_KEY is not set: pipeline p hashes pii field\(s\) customer_id/);
});

test('the keyed hash is HMAC-SHA256 of the value under the key, stable, different under another key, and idempotent', () => {
  const expected = 'h1:' + createHmac('sha256', KEY_BYTES).update('c-42').digest('base64url');
  assert.equal(key.hash('c-42'), expected);
  assert.ok(isHashed(expected));
  assert.equal(key.hash(expected), expected, 'hashing a hash changes nothing (labelled traffic re-ingested)');
  assert.notEqual(new PiiKey(randomBytes(32)).hash('c-42'), expected);
  assert.notEqual(new PiiKey(randomBytes(32)).id, key.id);
  assert.ok(!isHashed('c-42'));
});

function table(): Table {
  return {
    rows: 3,
    columns: [
      { name: 'user_email', kind: 'categorical', values: ['ann@example.com', 'bob@example.com', null] },
      { name: 'customer_id', kind: 'numeric', values: new Float64Array([1001, 1002, NaN]) },
      { name: 'a', kind: 'numeric', values: new Float64Array([1, 2, 3]) },
      { name: 'y', kind: 'categorical', values: ['yes', 'no', 'yes'] },
    ],
  };
}

test('a table: dropped columns are gone, hashed ones are categorical keyed hashes; the snapshot and profile hold no clear value', () => {
  const out = applyPiiToTable(table(), { user_email: 'drop', customer_id: 'hash' }, key, { origin: 'x.csv', strict: true });
  assert.deepEqual(out.columns.map((c) => [c.name, c.kind]), [['customer_id', 'categorical'], ['a', 'numeric'], ['y', 'categorical']]);
  assert.deepEqual(out.columns[0].values, [key.hash('1001'), key.hash('1002'), null], 'missing stays missing');
  const bytes = Buffer.concat([Buffer.from(encodeSnapshot(out)), Buffer.from(JSON.stringify(profileTable(out)))]).toString('latin1');
  for (const clear of ['ann@example.com', 'bob@example.com', 'user_email', '1001', '1002']) assert.ok(!bytes.includes(clear), clear);
  assert.ok(bytes.includes(key.hash('1001')), 'the profile sees the hashed values');
});

test('a table: a pii name the data lacks is refused (a misspelt name would leave the real column in clear); hashing needs a key', () => {
  assert.throws(
    () => applyPiiToTable(table(), { user_mail: 'drop' }, key, { origin: 'x.csv', strict: true }),
    (e: Error) => e instanceof DataError && /pii\.user_mail: x\.csv has no column "user_mail"/.test(e.message),
  );
  assert.equal(applyPiiToTable(table(), { user_mail: 'drop' }, key, { origin: 'feedback', strict: false }).columns.length, 4, 'labelled traffic: absent is fine');
  assert.throws(() => applyPiiToTable(table(), { customer_id: 'hash' }, null, { origin: 'x.csv', strict: true }), PiiKeyError);
});

test('a request record: the same text gives the same hash as in the table; the record sent is not changed', () => {
  const transform = piiRecordTransform({ user_email: 'drop', customer_id: 'hash' }, key);
  const sent = { user_email: 'ann@example.com', customer_id: 1001, a: 1 };
  assert.deepEqual(transform(sent), { customer_id: key.hash('1001'), a: 1 });
  assert.deepEqual(transform({ customer_id: '1001' }), { customer_id: key.hash('1001') });
  assert.deepEqual(transform({ customer_id: null, a: 2 }), { customer_id: null, a: 2 });
  assert.equal(sent.user_email, 'ann@example.com');
  const plain = { a: 3 };
  assert.equal(transform(plain), plain, 'a record without pii fields is not copied');
});

test('serving: a version with pii rules needs the key, the same key its data was hashed with', () => {
  assert.equal(servingPii('m@1', undefined, null), null);
  assert.throws(() => servingPii('m@1', { rules: { user_email: 'drop' }, keyId: null }, null), /m@1 has pii fields \(user_email\): serving it needs MLCYCLE_PII_KEY/);
  assert.throws(() => servingPii('m@1', { rules: { customer_id: 'hash' }, keyId: 'ffffffffffffffff' }, key), /hashed with another MLCYCLE_PII_KEY \(key id ffffffffffffffff/);
  const plan = servingPii('m@1', { rules: { customer_id: 'hash' }, keyId: key.id }, key);
  assert.equal(plan?.unit('c-42'), key.hash('c-42'));
});

test('cache identity: none without rules (older keys unchanged); the key id when a field is hashed', () => {
  assert.equal(piiCacheIdentity(undefined), undefined);
  assert.deepEqual(piiCacheIdentity({ e: 'drop' }), { rules: { e: 'drop' } });
  assert.deepEqual(piiCacheIdentity({ c: 'hash' }, { MLCYCLE_PII_KEY: KEY_BYTES.toString('base64') }), { rules: { c: 'hash' }, keyId: key.id });
});

test('erase --unit: empty or over-long units are refused clearly', () => {
  assert.equal(parseUnit('c-42'), 'c-42');
  assert.throws(() => parseUnit(''), /must not be empty/);
  assert.throws(() => parseUnit('   '), /must not be empty/);
  assert.throws(() => parseUnit('x'.repeat(129)), /129 characters; a logged unit id has at most 128/);
});

test('MLCYCLE_WORKER_METRICS_ADDRESS: ip:port, unset is off, anything else names the variable', () => {
  assert.equal(workerMetricsAddress({}), null);
  assert.equal(workerMetricsAddress({ MLCYCLE_WORKER_METRICS_ADDRESS: '127.0.0.1:9464' }), '127.0.0.1:9464');
  assert.equal(workerMetricsAddress({ MLCYCLE_WORKER_METRICS_ADDRESS: '[::1]:9464' }), '[::1]:9464');
  for (const bad of ['9464', 'localhost:9464', '127.0.0.1:0', '127.0.0.1:70000', '::1:9464', '127.0.0.1']) {
    assert.throws(() => workerMetricsAddress({ MLCYCLE_WORKER_METRICS_ADDRESS: bad }), new RegExp(`MLCYCLE_WORKER_METRICS_ADDRESS must be ip:port .*got "${bad.replace(/[[\].:]/g, '\\$&')}"`));
  }
});

test('batch scoring: a version scores a table under its own rules and key; another key is refused', () => {
  const saved = process.env.MLCYCLE_PII_KEY;
  process.env.MLCYCLE_PII_KEY = KEY_BYTES.toString('base64');
  try {
    const out = piiForVersion('m@1', { rules: { user_email: 'drop', customer_id: 'hash' }, keyId: key.id }, table(), 'batch.csv');
    assert.deepEqual(out.columns.map((c) => c.name), ['customer_id', 'a', 'y']);
    assert.equal(piiForVersion('m@1', { rules: { customer_id: 'hash' }, keyId: key.id }, out, 'again').columns[0].values[0], key.hash('1001'), 'twice is once');
    assert.equal(piiForVersion('m@1', undefined, table(), 'x').columns.length, 4);
    assert.throws(() => piiForVersion('m@1', { rules: { customer_id: 'hash' }, keyId: 'ffffffffffffffff' }, table(), 'x'), /m@1 was trained on data hashed with another MLCYCLE_PII_KEY/);
  } finally {
    if (saved === undefined) delete process.env.MLCYCLE_PII_KEY;
    else process.env.MLCYCLE_PII_KEY = saved;
  }
});
