// Another language starts mlcycle's workflows: the official Python Temporal SDK, by type name with JSON input, through mlcycle's payload codec.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@temporalio/client';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { DEFAULT_CODEC_CORS_ORIGINS } from '../../lib/config/codec.js';
import { parseCodecKeys } from '../../lib/crypto/payloadCipher.js';
import { listModelVersions } from '../../lib/store/models.js';
import type { RolloutState } from '../../contracts/rollout.js';
import type { LifecycleResult } from '../../contracts/types.js';
import { registerDefinition, resolveMlPipeline } from '../../triggers/client.js';
import { createClient } from '../../triggers/serviceClient.js';
import { startRollout } from '../../triggers/rollout.js';
import { startTestStack, type TestStack } from '../harness.js';
import { pythonWithTemporal, run } from '../pythonClient.js';
import { championAndChallenger, fastPolicy, rolloutInput, TINY_A, TINY_B } from './rolloutFixture.js';

const keys = `py-1:${randomBytes(32).toString('base64')}`;
let stack: TestStack;
let python: string;
let dir: string;
/** What the first test made, for the second: the stored definition, the data file, the model Python's run registered. */
let made: { ref: { name: string; version: string }; dataPath: string; rows: number; version: number } | undefined;

before(async () => {
  [stack, python, dir] = await Promise.all([
    startTestStack({ env: { codec: { keys: parseCodecKeys(keys), corsOrigins: DEFAULT_CODEC_CORS_ORIGINS } } }),
    pythonWithTemporal(),
    mkdtemp(join(tmpdir(), 'mlcycle-python-')),
  ]);
});
after(async () => {
  await stack?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface PythonOutput {
  run: { workflowId: string; pipeline: { name: string; version: string }; model: { name: string; version: number; sha256: string }; steps: string[] };
  score: { workflowId: string; rows: number; version: number; output: string; sha256: string };
  rollout: { paused: string; queried: string; rolledBack: string };
}

test('a Python service starts a lifecycle run and a batch score, and steers a rollout with Updates, through the codec', async () => {
  const weather = await resolveMlPipeline('seattle-weather');
  const { ref } = await registerDefinition(stack.db, { ...weather, name: 'py-weather', search: { ...weather.search, trials: 2 } });
  const { v2 } = await championAndChallenger(stack, 'py-rollout', TINY_A, TINY_B);
  const slow = fastPolicy({ stages: [{ name: 'shadow', traffic: 1, minSamples: 40, maxDurationSeconds: 600 }, { name: 'ab', traffic: 0.5, minSamples: 40, maxDurationSeconds: 600 }] });
  await startRollout(stack.client, rolloutInput('py-rollout', v2, slow));

  const dataPath = resolve((weather.data as { path: string }).path);
  const cfg = {
    address: stack.info.temporalAddress, namespace: stack.env.temporalNamespace, codecKeys: keys,
    pipeline: ref, dataPath, dataVersion: 'from-python', output: join(dir, 'scored.parquet'), rolloutModel: 'py-rollout',
  };
  const script = join(PROJECT_ROOT, 'test', 'fixtures', 'python', 'temporal_client.py');
  const py = await run(python, [script, JSON.stringify(cfg)]);
  assert.equal(py.status, 0, py.stderr);
  const out = JSON.parse(py.stdout.trim().split('\n').pop()!) as PythonOutput;

  // The run: a real lifecycle of the stored definition, its model registered in the store.
  assert.equal(out.run.workflowId, 'lifecycle:py-weather:from-python');
  const result = (await stack.client.workflow.getHandle(out.run.workflowId).result()) as LifecycleResult;
  assert.deepEqual(out.run.pipeline, ref);
  assert.equal(out.run.model.version, result.model?.version);
  const versions = await listModelVersions(stack.db, 'py-weather');
  assert.ok(versions.some((v) => v.version === out.run.model.version && v.sha256 === out.run.model.sha256), 'the model Python read is the one stored');
  assert.deepEqual(out.run.steps, result.steps.map((s) => s.id));

  // The batch score: every row of the file, the output on disk is the one the result names.
  const rows = (await readFile(dataPath, 'utf8')).trim().split('\n').length - 1;
  assert.deepEqual([out.score.rows, out.score.version, out.score.output], [rows, out.run.model.version, cfg.output]);
  assert.equal(createHash('sha256').update(await readFile(cfg.output)).digest('hex'), out.score.sha256);
  made = { ref, dataPath, rows, version: out.run.model.version };

  // The rollout: paused, then rolled back by the Python service's actor, as the workflow itself reports.
  assert.deepEqual(out.rollout, { paused: 'paused', queried: 'paused', rolledBack: 'rolled back' });
  const final = (await stack.client.workflow.getHandle('rollout:py-rollout').result()) as RolloutState;
  assert.deepEqual(final.decision && { outcome: final.decision.outcome, by: final.decision.by }, { outcome: 'rolled back', by: 'svc:python' });
  assert.ok(final.events.some((e) => e.actor === 'svc:python' && /pause/.test(e.action)), JSON.stringify(final.events));

  // Through the codec: what Python sent is ciphertext at rest (a client without the keys cannot read it).
  const raw = new Client({ connection: stack.client.connection, namespace: stack.env.temporalNamespace });
  const history = await raw.workflow.getHandle(out.run.workflowId).fetchHistory();
  const started = history.events?.[0].workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  assert.equal(Buffer.from(started?.metadata?.encoding ?? []).toString(), 'binary/encrypted');
  assert.ok(!Buffer.from(started?.data ?? []).toString('latin1').includes('py-weather'), 'the input travels encrypted');
});

test('mlcycle/client does the same from Node: a run, a batch score, rollout Updates; bad input refused by name', async () => {
  assert.ok(made, 'the Python test ran first');
  const mlcycle = await createClient({ address: stack.info.temporalAddress, namespace: stack.env.temporalNamespace, codecKeys: keys });
  try {
    const run = await mlcycle.startRun({ pipeline: made.ref, source: { kind: 'file', path: made.dataPath }, dataVersion: 'from-node', reason: 'typed client test' });
    assert.equal(run.workflowId, 'lifecycle:py-weather:from-node');
    const result = await run.result();
    assert.deepEqual(result.pipeline, made.ref);
    assert.equal((await run.progress()).step, 'done');
    assert.ok(result.model && (await listModelVersions(stack.db, 'py-weather')).some((v) => v.version === result.model!.version));

    const output = join(dir, 'from-node.parquet');
    const job = await mlcycle.startBatchScore({ model: 'py-weather', version: made.version, source: made.dataPath, output, format: 'parquet', chunkRows: 500 });
    const scored = await job.result();
    assert.deepEqual([scored.rows, scored.version, scored.output], [made.rows, made.version, output]);
    assert.equal((await job.progress()).phase, 'done');
    await assert.rejects(mlcycle.startBatchScore({ model: 'py-weather', source: 'day.csv', output, format: 'parquet', chunkRows: 500 }), /source must be an absolute path, got "day\.csv"/);

    const { v2 } = await championAndChallenger(stack, 'node-rollout', TINY_A, TINY_B);
    const slow = fastPolicy({ stages: [{ name: 'shadow', traffic: 1, minSamples: 40, maxDurationSeconds: 600 }, { name: 'ab', traffic: 0.5, minSamples: 40, maxDurationSeconds: 600 }] });
    await startRollout(stack.client, rolloutInput('node-rollout', v2, slow));
    const rollout = mlcycle.rollout('node-rollout');
    assert.equal((await rollout.pause({ actor: 'svc:node', reason: 'hold' })).status, 'paused');
    assert.equal((await rollout.state()).status, 'paused');
    assert.equal((await rollout.resume({ actor: 'svc:node', reason: 'go on' })).status, 'running');
    const final = await rollout.rollback({ actor: 'svc:node', reason: 'enough' });
    assert.deepEqual([final.status, final.decision?.by], ['rolled back', 'svc:node']);
  } finally {
    await mlcycle.close();
  }
});
