// A lifecycle run whose worker is another "machine": its snapshot and model reach serving only through the S3 bucket.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { completeResult, resolvePipeline, startLifecycle } from '../../triggers/client.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { startTestS3, type TestS3 } from '../s3Server.js';

let s3: TestS3;
let stack: TestStack;
let workerDir: string;
let worker: ChildProcess | undefined;

/** A standalone worker (worker/main.ts) with its own state and artifact folders, reading MLCYCLE_S3_* like any deployment. */
async function startWorkerMachine(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'worker/main.ts')], {
    env: {
      ...process.env, ...s3.env,
      TEMPORAL_ADDRESS: stack.info.temporalAddress, DATABASE_URL: stack.info.databaseUrl,
      MLCYCLE_STATE_DIR: workerDir, MLCYCLE_ARTIFACT_DIR: join(workerDir, 'artifacts'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (process.env.MLCYCLE_TEST_WORKER_LOG) process.stderr.write(`[worker] ${chunk.toString()}`);
      if (output.includes('polling')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${output}`)));
  });
  return child;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

before(async () => {
  s3 = await startTestS3();
  workerDir = await mkdtemp(join(tmpdir(), 'mlcycle-worker-machine-'));
  // The stack (serving, client) keeps no worker: runs are executed by the worker "machine" below.
  stack = await startTestStack({ worker: false, processEnv: s3.env });
  worker = await startWorkerMachine();
});
after(async () => {
  worker?.kill('SIGTERM');
  await stack?.teardown();
  await s3?.teardown();
  await rm(workerDir, { recursive: true, force: true });
});

test('a snapshot and a model made by one worker are in the bucket under their hashes, and served from there', async () => {
  const base = await resolvePipeline('seattle-weather');
  const pipeline = { ...base, name: 'weather-s3', search: { ...base.search, folds: 3, space: { logreg: { l2: [0.1] } } } };
  const started = await startLifecycle(stack, pipeline, { rerun: true, noCache: true });
  const result = completeResult(await started.handle.result());
  const snapshotSha = result.dataset.uri.replace('artifact://', '');

  // Content addresses are the keys: the snapshot, its profile and the model are objects named by their sha256.
  for (const sha of [snapshotSha, result.dataset.profileUri.replace('artifact://', ''), result.model.sha256]) {
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: sha }));
    assert.ok((head.ContentLength ?? 0) > 0, `${sha} is in the bucket`);
  }
  const workerCache = join(workerDir, 'artifacts');
  assert.ok(await exists(join(workerCache, snapshotSha.slice(0, 2), snapshotSha)), 'the worker keeps its snapshot in its own cache');
  assert.equal(await exists(stack.artifacts.pathOf(snapshotSha)), false, 'the serving side never had the snapshot');

  // Serving (the test process, its own empty cache) loads the champion: the bytes can only come from the bucket.
  assert.equal(result.deployment?.role, 'champion');
  await eventually('serving to load the champion', 30_000, async () => {
    const { models } = (await (await fetch(`${stack.info.httpUrl}/v1/models`)).json()) as { models: { name: string; champion: { version: number } }[] };
    return models.some((m) => m.name === 'weather-s3' && m.champion.version === result.model.version) ? true : null;
  });
  const res = await fetch(`${stack.info.httpUrl}/v1/models/weather-s3/predict`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [{ precipitation: 10.9, temp_max: 10.6, temp_min: 2.8, wind: 4.5 }] }),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { predictions: { label: string }[] };
  assert.equal(typeof body.predictions[0].label, 'string');
  assert.ok(await exists(stack.artifacts.pathOf(result.model.sha256)), 'the model was fetched into serving\'s cache');
});
