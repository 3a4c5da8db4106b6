// Where artifacts go, from the environment: the local folder alone, or an S3 bucket; half a configuration is named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openArtifactStore, s3LocationFromEnv } from '../../lib/store/artifactsEnv.js';
import { S3Blobs } from '../../lib/store/s3Blobs.js';

const full = {
  MLCYCLE_S3_ENDPOINT: 'http://127.0.0.1:8333', MLCYCLE_S3_BUCKET: 'mlcycle-artifacts',
  AWS_ACCESS_KEY_ID: 'key', AWS_SECRET_ACCESS_KEY: 'secret',
};

test('no MLCYCLE_S3_* variable: the local folder is the whole store', () => {
  const store = openArtifactStore('/tmp/artifacts', { AWS_ACCESS_KEY_ID: 'ignored', PATH: '/usr/bin' });
  assert.equal(store.root, '/tmp/artifacts');
  assert.equal(store.remote, undefined);
  assert.equal(s3LocationFromEnv({ MLCYCLE_S3_ENDPOINT: '  ' }), null, 'blank counts as unset');
});

test('a full configuration: path-style bucket, region us-east-1 by default, keys under the prefix, credentials from AWS_*', () => {
  const store = openArtifactStore('/tmp/artifacts', { ...full, MLCYCLE_S3_PREFIX: 'team-a/artifacts' });
  assert.ok(store.remote instanceof S3Blobs);
  const sha = 'ab'.repeat(32);
  assert.equal(store.remote.describe(sha), `s3://mlcycle-artifacts/team-a/artifacts/${sha}`);
  const location = s3LocationFromEnv(full);
  assert.deepEqual(location, {
    endpoint: 'http://127.0.0.1:8333', bucket: 'mlcycle-artifacts', prefix: undefined, region: 'us-east-1',
    credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
  });
  assert.equal(s3LocationFromEnv({ ...full, MLCYCLE_S3_REGION: 'eu-west-3' })?.region, 'eu-west-3');
  assert.equal(new S3Blobs({ ...location!, prefix: 'p/' }).keyOf(sha), `p/${sha}`);
  // No AWS_* pair: the SDK's own chain (profiles, roles) supplies credentials.
  assert.equal(s3LocationFromEnv({ MLCYCLE_S3_ENDPOINT: full.MLCYCLE_S3_ENDPOINT, MLCYCLE_S3_BUCKET: 'b-1' })?.credentials, undefined);
});

test('half a configuration is an error naming what is missing', () => {
  assert.throws(() => openArtifactStore('/tmp/a', { MLCYCLE_S3_ENDPOINT: 'http://127.0.0.1:8333' }), /need MLCYCLE_S3_BUCKET too \(MLCYCLE_S3_ENDPOINT is set\)/);
  assert.throws(() => openArtifactStore('/tmp/a', { MLCYCLE_S3_BUCKET: 'artifacts' }), /need MLCYCLE_S3_ENDPOINT too/);
  assert.throws(() => openArtifactStore('/tmp/a', { MLCYCLE_S3_PREFIX: 'x' }), /need MLCYCLE_S3_ENDPOINT and MLCYCLE_S3_BUCKET too \(MLCYCLE_S3_PREFIX is set\)/);
  assert.throws(() => openArtifactStore('/tmp/a', { ...full, AWS_SECRET_ACCESS_KEY: '' }), /AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not/);
  assert.throws(() => openArtifactStore('/tmp/a', { ...full, AWS_ACCESS_KEY_ID: undefined }), /AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not/);
});

test('malformed values are named', () => {
  assert.throws(() => openArtifactStore('/tmp/a', { ...full, MLCYCLE_S3_ENDPOINT: 'localhost:8333' }), /MLCYCLE_S3_ENDPOINT must be an http:\/\/ or https:\/\/ URL, got "localhost:8333"/);
  assert.throws(() => openArtifactStore('/tmp/a', { ...full, MLCYCLE_S3_ENDPOINT: '127.0.0.1:8333' }), /MLCYCLE_S3_ENDPOINT must be a URL such as http:\/\/127.0.0.1:8333, got "127.0.0.1:8333"/);
  assert.throws(() => openArtifactStore('/tmp/a', { ...full, MLCYCLE_S3_BUCKET: 'My_Bucket' }), /MLCYCLE_S3_BUCKET "My_Bucket" is not a valid bucket name/);
  assert.throws(() => openArtifactStore('/tmp/a', { ...full, MLCYCLE_S3_PREFIX: '/abs' }), /MLCYCLE_S3_PREFIX "\/abs" must be a relative key prefix/);
});
