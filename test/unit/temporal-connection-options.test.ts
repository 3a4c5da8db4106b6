// Connection options from the environment (and from explicit values): every branch, every error naming its variable.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { temporalConnectionOptions, temporalSecurity, TEMPORAL_SECURITY_ENV } from '../../temporal/connectionOptions.js';
import { makeTlsFiles, type TlsFiles } from '../tlsFiles.js';

let dir: string;
let pem: TlsFiles;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlcycle-tls-'));
  pem = makeTlsFiles(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const read = (path: string): Buffer => readFileSync(path);
const fails = (env: NodeJS.ProcessEnv, message: RegExp): void => {
  assert.throws(() => temporalConnectionOptions(env), (err: Error) => err.name === 'TemporalConnectionError' && message.test(err.message));
};

test('nothing set: plaintext, no API key (the embedded dev server)', () => {
  assert.deepEqual(temporalConnectionOptions({}), {});
  assert.deepEqual(temporalConnectionOptions({ TEMPORAL_API_KEY: '', TEMPORAL_TLS: '' }), {});
});

test('an API key turns TLS on (Temporal Cloud), unless TEMPORAL_TLS=false says otherwise', () => {
  assert.deepEqual(temporalConnectionOptions({ TEMPORAL_API_KEY: 'key-123' }), { apiKey: 'key-123', tls: {} });
  assert.deepEqual(temporalConnectionOptions({ TEMPORAL_API_KEY: 'key-123', TEMPORAL_TLS: 'false' }), { apiKey: 'key-123', tls: false });
  assert.deepEqual(temporalConnectionOptions({ TEMPORAL_API_KEY: 'key-123', TEMPORAL_TLS: '0' }), { apiKey: 'key-123', tls: false });
});

test('TEMPORAL_TLS=true alone: TLS with the system roots; a value that is not a boolean is named', () => {
  assert.deepEqual(temporalConnectionOptions({ TEMPORAL_TLS: 'true' }), { tls: {} });
  assert.deepEqual(temporalConnectionOptions({ TEMPORAL_TLS: '1' }), { tls: {} });
  assert.deepEqual(temporalConnectionOptions({ TEMPORAL_TLS: 'false' }), { tls: false });
  fails({ TEMPORAL_TLS: 'yes' }, /^TEMPORAL_TLS must be true or false, got "yes"$/);
});

test('server CA and server name: TLS on, with the CA bytes and the SNI override', () => {
  const o = temporalConnectionOptions({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: pem.caCert, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
  assert.deepEqual(o, { tls: { serverNameOverride: 'temporal.internal', serverRootCACertificate: read(pem.caCert) } });
  assert.deepEqual(temporalConnectionOptions({ TEMPORAL_TLS_SERVER_NAME: 'localhost' }), { tls: { serverNameOverride: 'localhost' } });
});

test('mTLS: the client certificate pair from paths, from PEM text (_DATA), and from the older names', () => {
  const expected = { tls: { serverRootCACertificate: read(pem.caCert), clientCertPair: { crt: read(pem.clientCert), key: read(pem.clientKey) } } };
  assert.deepEqual(
    temporalConnectionOptions({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: pem.clientKey, TEMPORAL_TLS_SERVER_CA_CERT_PATH: pem.caCert }),
    expected,
  );
  assert.deepEqual(
    temporalConnectionOptions({
      TEMPORAL_TLS_CLIENT_CERT_DATA: read(pem.clientCert).toString(), TEMPORAL_TLS_CLIENT_KEY_DATA: read(pem.clientKey).toString(), TEMPORAL_TLS_SERVER_CA_CERT_DATA: read(pem.caCert).toString(),
    }),
    expected,
  );
  assert.deepEqual(temporalConnectionOptions({ TEMPORAL_TLS_CERT: pem.clientCert, TEMPORAL_TLS_KEY: pem.clientKey, TEMPORAL_TLS_CA: pem.caCert }), expected);
  // The same value under both names is fine; an API key goes with it.
  const both = temporalConnectionOptions({ TEMPORAL_TLS_CERT: pem.clientCert, TEMPORAL_TLS_CLIENT_CERT_PATH: pem.clientCert, TEMPORAL_TLS_KEY: pem.clientKey, TEMPORAL_TLS_CA: pem.caCert, TEMPORAL_API_KEY: 'k' });
  assert.deepEqual(both, { ...expected, apiKey: 'k' });
});

test('a name and its older alias with different values, a path and its _DATA together: refused by name', () => {
  fails({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem.clientCert, TEMPORAL_TLS_CERT: pem.serverCert }, /^TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CERT are both set, to different values/);
  fails(
    { TEMPORAL_TLS_SERVER_CA_CERT_PATH: pem.caCert, TEMPORAL_TLS_SERVER_CA_CERT_DATA: read(pem.caCert).toString() },
    /^set TEMPORAL_TLS_SERVER_CA_CERT_PATH or TEMPORAL_TLS_SERVER_CA_CERT_DATA, not both$/,
  );
});

test('a certificate path that does not exist, or is a folder: the variable and the path are named', () => {
  const missing = join(dir, 'nope.pem');
  fails({ TEMPORAL_TLS_CLIENT_CERT_PATH: missing, TEMPORAL_TLS_CLIENT_KEY_PATH: pem.clientKey }, new RegExp(`^TEMPORAL_TLS_CLIENT_CERT_PATH ${missing}: no such file$`));
  fails({ TEMPORAL_TLS_CA: missing }, new RegExp(`^TEMPORAL_TLS_CA ${missing}: no such file$`));
  fails({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: dir }, /^TEMPORAL_TLS_SERVER_CA_CERT_PATH .*: is a folder, not a PEM file$/);
});

test('a certificate without its key, a key without its certificate', () => {
  fails({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem.clientCert }, /^TEMPORAL_TLS_CLIENT_CERT_PATH is set without its private key: set TEMPORAL_TLS_CLIENT_KEY_PATH \(or TEMPORAL_TLS_CLIENT_KEY_DATA\) too$/);
  fails({ TEMPORAL_TLS_KEY: pem.clientKey }, /^TEMPORAL_TLS_KEY is set without its certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH \(or TEMPORAL_TLS_CLIENT_CERT_DATA\) too$/);
});

test('TLS off with TLS values given', () => {
  fails({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CLIENT_CERT_PATH: pem.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: pem.clientKey }, /^TEMPORAL_TLS is false but TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH are set: TLS values need TLS/);
  fails({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'x' }, /^TEMPORAL_TLS is false but TEMPORAL_TLS_SERVER_NAME is set/);
});

test('files that are not what they claim: not PEM, a key of another certificate, an expired certificate', () => {
  fails({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem.clientKey, TEMPORAL_TLS_CLIENT_KEY_PATH: pem.clientKey }, /^TEMPORAL_TLS_CLIENT_CERT_PATH is not a PEM certificate/);
  fails({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: pem.clientCert }, /^TEMPORAL_TLS_CLIENT_KEY_PATH is not a PEM private key/);
  fails({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: pem.serverKey }, /^the key in TEMPORAL_TLS_CLIENT_KEY_PATH does not belong to the certificate in TEMPORAL_TLS_CLIENT_CERT_PATH$/);
  fails({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem.expiredCert, TEMPORAL_TLS_CLIENT_KEY_PATH: pem.expiredKey }, /^the certificate in TEMPORAL_TLS_CLIENT_CERT_PATH \(CN=expired\) expired on Jan {2}2 00:00:00 2020 GMT$/);
  const junk = join(dir, 'junk.pem');
  writeFileSync(junk, 'not a certificate\n');
  fails({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: junk }, /^TEMPORAL_TLS_SERVER_CA_CERT_PATH is not a PEM certificate/);
  fails({ TEMPORAL_TLS_SERVER_CA_CERT_DATA: 'bm90IFBFTQ==' }, /^TEMPORAL_TLS_SERVER_CA_CERT_DATA is not a PEM certificate/);
});

test('skipping the host-name check is refused (the TypeScript SDK cannot), false is accepted', () => {
  fails({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true', TEMPORAL_TLS: 'true' }, /^TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: the TypeScript SDK cannot skip .* set TEMPORAL_TLS_SERVER_NAME/);
  assert.deepEqual(temporalConnectionOptions({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'false', TEMPORAL_TLS: 'true' }), { tls: {} });
  fails({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'maybe' }, /^TEMPORAL_TLS_DISABLE_HOST_VERIFICATION must be true or false/);
});

test('explicit values (the cluster tests): same result, errors name the option', () => {
  assert.deepEqual(temporalSecurity({ clientCertPath: pem.clientCert, clientKeyPath: pem.clientKey, serverCaPath: pem.caCert, serverName: 'localhost' }), {
    tls: { serverNameOverride: 'localhost', serverRootCACertificate: read(pem.caCert), clientCertPair: { crt: read(pem.clientCert), key: read(pem.clientKey) } },
  });
  assert.deepEqual(temporalSecurity({ apiKey: 'k', tls: false }), { apiKey: 'k', tls: false });
  assert.throws(() => temporalSecurity({ clientCertPath: pem.clientCert }), /^TemporalConnectionError: clientCertPath is set without its private key: set clientKeyPath \(or clientKeyData\) too/);
  assert.throws(() => temporalSecurity({ apiKey: ' ' }), /apiKey is empty/);
  assert.throws(() => temporalSecurity({ tls: false, serverCaPath: pem.caCert }), /^TemporalConnectionError: tls is false but serverCaPath is set/);
});

test('the variables read are the Temporal CLI\'s names (and its older aliases)', () => {
  assert.deepEqual(TEMPORAL_SECURITY_ENV.slice().sort(), [
    'TEMPORAL_API_KEY', 'TEMPORAL_TLS', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_CA_DATA', 'TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_CERT_DATA',
    'TEMPORAL_TLS_CLIENT_CERT_DATA', 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA', 'TEMPORAL_TLS_CLIENT_KEY_PATH',
    'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_KEY_DATA', 'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
    'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_NAME',
  ]);
});
