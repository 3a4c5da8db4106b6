// Bad data stops a run at validate: a readable failure, nothing registered, nothing deployed.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { PipelineDefinition } from '../../lib/config/pipeline.js';
import { PROJECT_ROOT } from '../../stack/stack.js';
import { completeResult, resolvePipeline, startLifecycle } from '../../triggers/client.js';
import { setAlias } from '../../lib/store/models.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
let pipeline: PipelineDefinition;
let dir: string;
let goodCsv: string;

before(async () => {
  stack = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-bad-'));
  const example = await resolvePipeline('seattle-weather');
  // No quarantine here: every failing row must stop the run (quarantine has its own test in data-checks).
  pipeline = { ...example, name: 'weather-bad-data', validation: { ...example.validation, quarantine: undefined } };
  goodCsv = await readFile(join(PROJECT_ROOT, 'examples/seattle-weather/train-2012-2013.csv'), 'utf8');
});
after(async () => {
  await stack?.teardown();
});

async function countVersions(): Promise<number> {
  const res = await stack.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM model_versions WHERE name = $1', [pipeline.name]);
  return res.rows[0].n;
}

/** Runs the lifecycle on `csv` and returns the failure it ends with. */
async function failingRun(name: string, csv: string): Promise<ApplicationFailure> {
  const path = join(dir, name);
  await writeFile(path, csv);
  const run = await startLifecycle(stack, pipeline, { dataPath: path });
  const err = await run.handle.result().then(
    () => assert.fail('the run should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError);
  assert.ok(err.cause instanceof ApplicationFailure, `cause: ${String(err.cause)}`);
  return err.cause;
}

test('a numeric column holding text fails the first run at ingest: nothing pinned, nothing registered', async () => {
  const csv = goodCsv.replace(/^(2012-03-0\d,[\d.]+,)[\d.]+/gm, '$1hot');
  const failure = await failingRun('text-in-numeric.csv', csv);
  assert.equal(failure.type, 'DataError');
  assert.match(failure.message, /text-in-numeric\.csv/);
  assert.match(failure.message, /temp_max/);
  assert.match(failure.message, /hot/);
  assert.equal(await countVersions(), 0);
  // People find failed runs in the Web UI by the step that failed (visibility is eventually consistent: poll).
  await eventually('the failed run to be listed by its step', 10_000, async () => {
    let n = 0;
    for await (const _ of stack.client.workflow.list({ query: `MlcyclePipeline="${pipeline.name}" AND MlcycleStep="ingest" AND ExecutionStatus="Failed"` })) n++;
    return n === 1 ? n : null;
  });
  const schemas = await stack.db.query('SELECT 1 FROM data_schemas WHERE pipeline = $1', [pipeline.name]);
  assert.equal(schemas.rowCount, 0, 'bad first data does not become the pinned schema');
});

test('after a good run, out-of-range values and an unknown category stop the next run before optimize', async () => {
  const good = join(dir, 'good.csv');
  await writeFile(good, goodCsv);
  const ok = await startLifecycle(stack, pipeline, { dataPath: good });
  await ok.handle.result();
  assert.equal(await countVersions(), 1);
  const deploymentBefore = await stack.db.query('SELECT champion_version, challenger_version FROM deployments WHERE model_name = $1', [pipeline.name]);

  const lines = goodCsv.trimEnd().split('\n');
  lines[5] = '2013-05-01,0,500,10,3,sun'; // temp_max far outside the pinned range
  lines[6] = '2013-05-02,0,20,10,3,hail'; // a weather the schema has never seen
  const failure = await failingRun('bad-values.csv', lines.join('\n') + '\n');
  assert.equal(failure.type, 'DataValidationFailed');
  assert.match(failure.message, /temp_max/);
  assert.match(failure.message, /hail/);

  assert.equal(await countVersions(), 1, 'no model registered for the bad data');
  const trials = await stack.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM trials WHERE run_id LIKE 'lifecycle:weather-bad-data:%'");
  assert.equal(trials.rows[0].n, 5, 'only the good run trained');
  const deploymentAfter = await stack.db.query('SELECT champion_version, challenger_version FROM deployments WHERE model_name = $1', [pipeline.name]);
  assert.deepEqual(deploymentAfter.rows, deploymentBefore.rows, 'nothing deployed');
  const report = await stack.db.query<{ ok: boolean }>(
    "SELECT ok FROM validation_reports WHERE pipeline = $1 ORDER BY created_at DESC LIMIT 1",
    [pipeline.name],
  );
  assert.equal(report.rows[0].ok, false, 'the failing report is stored for people to read');
});

test('fail closed: without a gate, below it, or not beating the champion, the model is registered for the record and never served', async () => {
  const good = join(dir, 'good.csv');
  await writeFile(good, goodCsv);
  const noGate = { ...pipeline, name: 'weather-no-gate', gate: undefined };
  const strict = { ...pipeline, name: 'weather-strict-gate', gate: { metric: 'accuracy' as const, minimum: 0.99, minImprovement: 0 } };
  for (const p of [noGate, strict]) {
    const result = completeResult(await (await startLifecycle(stack, p, { dataPath: good })).handle.result());
    assert.equal(result.candidate.blessed, false);
    assert.equal(result.deployment, null);
    const served = await stack.db.query('SELECT 1 FROM deployments WHERE model_name = $1', [p.name]);
    assert.equal(served.rowCount, 0, `${p.name} must not be deployed`);
    const versions = await stack.db.query('SELECT 1 FROM model_versions WHERE name = $1', [p.name]);
    assert.equal(versions.rowCount, 1, `${p.name} is registered for the record`);
  }
  // A model no better than the champion on the same holdout is not blessed (the margin is 0.01).
  const deploymentBefore = await stack.db.query('SELECT champion_version, challenger_version FROM deployments WHERE model_name = $1', [pipeline.name]);
  // noCache: the recorded search of this data was gated before v1 served; this asks the gate again.
  const same = completeResult(await (await startLifecycle(stack, pipeline, { dataPath: good, rerun: true, noCache: true })).handle.result());
  assert.equal(same.candidate.blessed, false);
  assert.match(same.candidate.gateReason, /does not beat champion v1/);
  assert.equal(same.deployment, null);
  const deploymentAfter = await stack.db.query('SELECT champion_version, challenger_version FROM deployments WHERE model_name = $1', [pipeline.name]);
  assert.deepEqual(deploymentAfter.rows, deploymentBefore.rows);

  // An unblessed version cannot be served by hand either.
  await assert.rejects(
    setAlias(stack.db, { modelName: 'weather-no-gate', alias: 'champion', version: 1, actor: 'test', reason: 'try anyway' }),
    /weather-no-gate@1 was not blessed \(no gate configured/,
  );
  await assert.rejects(setAlias(stack.db, { modelName: pipeline.name, alias: 'champion', version: 1, actor: 'test', reason: ' ' }), /a reason is required/);

  const res = await fetch(`${stack.info.httpUrl}/v1/models/weather-no-gate/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [{ precipitation: 0, temp_max: 10, temp_min: 2, wind: 3 }] }),
  });
  assert.equal(res.status, 404);
});

test('the HTTP start API refuses bad bodies, unknown pipelines and missing data, and starts nothing', async () => {
  const count = async (): Promise<number> => {
    let n = 0;
    for await (const _ of stack.client.workflow.list({ query: 'WorkflowType="lifecycleWorkflow"' })) n++;
    return n;
  };
  const before = await count();
  const post = async (body: unknown): Promise<{ status: number; json: { error: string; message: string } }> => {
    const res = await fetch(`${stack.info.httpUrl}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as { error: string; message: string } };
  };
  const missing = await post({});
  assert.equal(missing.status, 400);
  assert.match(missing.json.message, /pipeline/);
  const unknownKey = await post({ pipeline: 'seattle-weather', force: true });
  assert.equal(unknownKey.status, 400);
  assert.match(unknownKey.json.message, /force/);
  const unknownPipeline = await post({ pipeline: 'no-such-pipeline' });
  assert.equal(unknownPipeline.status, 400);
  assert.match(unknownPipeline.json.message, /no-such-pipeline/);
  const noData = await post({ pipeline: 'seattle-weather', dataPath: join(dir, 'absent.csv') });
  assert.equal(noData.status, 400);
  assert.match(noData.json.message, /absent\.csv: no such file/);
  // Files outside the data roots are refused without being read: no byte of them in the answer, no run.
  const passwd = await post({ pipeline: '/etc/passwd' });
  assert.equal(passwd.status, 403);
  assert.match(passwd.json.message, /^pipeline must be below a data root/);
  assert.doesNotMatch(JSON.stringify(passwd.json), /root:/);
  const shadow = await post({ pipeline: 'seattle-weather', dataPath: '/etc/shadow' });
  assert.equal(shadow.status, 403);
  assert.match(shadow.json.message, /^dataPath must be below a data root/);
  const sneaky = join(dir, 'sneaky.json');
  await writeFile(sneaky, JSON.stringify({ ...(await loadPipelineJson()), data: { path: '/etc/hosts' } }));
  const viaPipeline = await post({ pipeline: sneaky });
  assert.equal(viaPipeline.status, 403);
  assert.match(viaPipeline.json.message, /^the pipeline's data\.path must be below a data root/);
  const notJson = join(dir, 'not-json.json');
  await writeFile(notJson, 'root:x:0:0:root:/root:/bin/bash\n');
  const garbage = await post({ pipeline: notJson });
  assert.equal(garbage.status, 400);
  assert.match(garbage.json.message, /is not valid JSON/);
  assert.doesNotMatch(garbage.json.message, /root:x/, 'the file is never echoed');
  assert.equal(await count(), before, 'no run was started');

  const started = await post({ pipeline: 'seattle-weather', dataPath: join(dir, 'good.csv') });
  assert.equal(started.status, 202);
  const again = await post({ pipeline: 'seattle-weather', dataPath: join(dir, 'good.csv') });
  assert.equal(again.status, 409, 'the same data is not started twice');
  const audited = await stack.db.query<{ actor: string; subject: string }>("SELECT actor, subject FROM audit_log WHERE action = 'start_run'");
  assert.deepEqual(audited.rows.map((r) => r.actor), ['anonymous'], 'the start is audited with the caller (no tokens on this stack)');
});

async function loadPipelineJson(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(PROJECT_ROOT, 'examples/seattle-weather/pipeline.json'), 'utf8')) as Record<string, unknown>;
}
