// Artifacts in a real S3 server (SeaweedFS): shared across machines by content address, missing and corrupt objects named.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { artifactFailure } from '../../activities/artifactFailures.js';
import { artifactErrorOf } from '../../lib/store/artifactErrors.js';
import { sha256Hex, type ArtifactStore } from '../../lib/store/artifacts.js';
import { openArtifactStore } from '../../lib/store/artifactsEnv.js';
import { freePort } from '../harness.js';
import { startTestS3, type TestS3 } from '../s3Server.js';

let s3: TestS3;
const roots: string[] = [];

/** A store as another machine has it: its own empty local folder, the same bucket. */
async function machine(env: Record<string, string | undefined> = {}): Promise<ArtifactStore> {
  const root = await mkdtemp(join(tmpdir(), 'mlcycle-cache-'));
  roots.push(root);
  return openArtifactStore(root, { ...s3.env, ...env });
}

async function objectBytes(key: string): Promise<Buffer> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

before(async () => {
  s3 = await startTestS3();
});
after(async () => {
  await s3?.teardown();
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

test('one machine puts, another gets: the object is keyed by its sha256 (under the prefix) and cached where it is read', async () => {
  const a = await machine({ MLCYCLE_S3_PREFIX: 'team-a/artifacts' });
  const b = await machine({ MLCYCLE_S3_PREFIX: 'team-a/artifacts' });
  const model = JSON.stringify({ weights: Array.from({ length: 1000 }, (_, i) => i / 7) });
  const ref = await a.putJson(JSON.parse(model));
  assert.equal(ref.sha256, sha256Hex(model));
  assert.equal((await objectBytes(`team-a/artifacts/${ref.sha256}`)).toString(), model);

  await assert.rejects(readFile(b.pathOf(ref.sha256)), /ENOENT/);
  assert.equal((await b.get(ref.uri)).toString(), model);
  assert.equal(await readFile(b.pathOf(ref.sha256), 'utf8'), model, 'the download is kept in b\'s cache');
  assert.deepEqual(await b.getJson(ref.uri), JSON.parse(model));

  // For readers that open the file themselves (training threads): a path to a verified local copy.
  const c = await machine({ MLCYCLE_S3_PREFIX: 'team-a/artifacts' });
  const path = await c.ensureLocal(ref.uri);
  assert.equal(path, c.pathOf(ref.sha256));
  assert.equal(await readFile(path, 'utf8'), model);

  // Content addresses: the same bytes put from b are the same object, and the same reference.
  assert.deepEqual(await b.put(model), ref);
});

test('an object in neither the cache nor the bucket is named with both places', async () => {
  const b = await machine();
  const sha = sha256Hex('never stored anywhere');
  await assert.rejects(b.get(sha), (err: Error) => {
    assert.equal(err.message, `artifact ${sha} is in neither the local cache ${b.root} nor s3://${s3.bucket}/${sha}`);
    assert.equal(artifactErrorOf(err)?.kind, 'missing');
    const failure = artifactFailure(err) as ApplicationFailure;
    assert.equal(failure.type, 'ArtifactUnreadable');
    assert.equal(failure.nonRetryable, true);
    return true;
  });
  await assert.rejects(b.ensureLocal(`artifact://${sha}`), /is in neither the local cache/);
});

test('an object corrupted in the bucket is refused, naming its address, the hash it should have and the one it has', async () => {
  const a = await machine();
  const ref = await a.put('the real bytes');
  const tampered = 'tampered!';
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: ref.sha256, Body: tampered }));
  const b = await machine();
  await assert.rejects(b.get(ref.uri), (err: Error) => {
    assert.equal(err.message, `artifact ${ref.sha256} is corrupt: its bytes hash to ${sha256Hex(tampered)} (the object s3://${s3.bucket}/${ref.sha256})`);
    assert.equal(artifactErrorOf(err)?.kind, 'corrupt');
    return true;
  });
  await assert.rejects(readFile(b.pathOf(ref.sha256)), /ENOENT/, 'nothing corrupt enters the cache');
  // The machine that has the real bytes still reads its verified copy; putting them again replaces the object.
  assert.equal((await a.get(ref.uri)).toString(), 'the real bytes');
  await a.put('the real bytes');
  assert.equal((await objectBytes(ref.sha256)).toString(), 'the real bytes');
  assert.equal((await b.get(ref.uri)).toString(), 'the real bytes');
});

test('a corrupted local copy is replaced by a verified download from the bucket', async () => {
  const a = await machine();
  const ref = await a.put('cached bytes');
  assert.equal(await a.ensureLocal(ref.uri), a.pathOf(ref.sha256));
  await writeFile(a.pathOf(ref.sha256), 'bit rot here');
  assert.equal((await a.get(ref.uri)).toString(), 'cached bytes');
  assert.equal(await readFile(a.pathOf(ref.sha256), 'utf8'), 'cached bytes', 'the cache was repaired');
  await writeFile(a.pathOf(ref.sha256), 'bit rot again');
  assert.equal(await readFile(await a.ensureLocal(ref.uri), 'utf8'), 'cached bytes', 'ensureLocal re-verifies a file that changed');
});

test('a wrong secret surfaces as SignatureDoesNotMatch from the endpoint, not retried', async () => {
  const wrong = await machine({ AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
  const expected = new RegExp(`the artifact store at ${s3.endpoint} refused (HEAD|GET) s3://${s3.bucket}/[0-9a-f]{64}: SignatureDoesNotMatch: the secret key is wrong: check AWS_SECRET_ACCESS_KEY`);
  await assert.rejects(wrong.put('anything'), expected);
  await assert.rejects(wrong.get(sha256Hex('not in its cache')), expected);
  await assert.rejects(wrong.check(), expected);
  const err = await wrong.check().catch((e: unknown) => e);
  assert.equal(artifactErrorOf(err)?.code, 'SignatureDoesNotMatch');
  const failure = artifactFailure(err) as ApplicationFailure;
  assert.ok(failure instanceof ApplicationFailure);
  assert.equal(failure.type, 'ArtifactStoreRefused');
  assert.equal(failure.nonRetryable, true);

  const unknownKey = await machine({ AWS_ACCESS_KEY_ID: 'nobody' });
  await assert.rejects(unknownKey.check(), /refused GET .*: InvalidAccessKeyId: the access key is unknown to the store/);
  const noBucket = await machine({ MLCYCLE_S3_BUCKET: 'no-such-bucket-here' });
  await assert.rejects(noBucket.check(), /refused GET s3:\/\/no-such-bucket-here\/.*: NoSuchBucket: the bucket does not exist/);
});

test('an unreachable endpoint is named with the network error and classed retryable', async () => {
  const endpoint = `http://127.0.0.1:${await freePort()}`;
  const down = await machine({ MLCYCLE_S3_ENDPOINT: endpoint });
  const err = await down.put('x').catch((e: unknown) => e);
  assert.match((err as Error).message, new RegExp(`^the artifact store at ${endpoint} is unavailable: HEAD s3://${s3.bucket}/[0-9a-f]{64} failed with ECONNREFUSED`));
  const failure = artifactFailure(err) as ApplicationFailure;
  assert.equal(failure.type, 'DependencyUnavailable');
  assert.equal(failure.nonRetryable, false);
});

test('objects survive a restart of the server', async () => {
  const a = await machine();
  const ref = await a.put('kept across restarts');
  const started = Date.now();
  await s3.restart();
  const restarted = Date.now();
  process.stderr.write(`[s3] restart (stop + start) took ${restarted - started} ms\n`);
  const b = await machine();
  assert.equal((await b.get(ref.uri)).toString(), 'kept across restarts');
  process.stderr.write(`[s3] first read after the restart took ${Date.now() - restarted} ms\n`);
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: ref.sha256 }));
  assert.equal(head.ContentLength, ref.bytes);
});
