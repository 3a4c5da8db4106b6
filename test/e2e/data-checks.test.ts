// Data checks inside the lifecycle: a Postgres query as the source, quarantine under its fraction, reports listed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { PipelineDefinition } from '../../lib/config/pipeline.js';
import { PROJECT_ROOT } from '../../stack/stack.js';
import { resolvePipeline, startLifecycle } from '../../triggers/client.js';
import { collectStatus } from '../../triggers/status.js';
import { latestSchema, pinSchemaVersion } from '../../lib/store/datasets.js';
import { spawnSync } from 'node:child_process';
import { startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
let dir: string;
let base: PipelineDefinition;
let csvLines: string[];

before(async () => {
  stack = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-checks-'));
  base = await resolvePipeline('seattle-weather');
  csvLines = (await readFile(join(PROJECT_ROOT, 'examples/seattle-weather/train-2012-2013.csv'), 'utf8')).trimEnd().split('\n');
});
after(async () => {
  await stack?.teardown();
});

test('a pipeline can train on a Postgres query (streamed in chunks by the ingest activity)', async () => {
  await stack.db.query('CREATE TABLE weather_obs (date date, precipitation real, temp_max real, temp_min real, wind real, weather text)');
  const rows = csvLines.slice(1).map((l) => l.split(','));
  await stack.db.query(
    `INSERT INTO weather_obs SELECT * FROM unnest($1::date[], $2::real[], $3::real[], $4::real[], $5::real[], $6::text[])`,
    [0, 1, 2, 3, 4, 5].map((k) => rows.map((r) => r[k])),
  );
  const pipeline: PipelineDefinition = { ...base, name: 'weather-from-sql', data: { postgres: { query: 'SELECT * FROM weather_obs ORDER BY date' } } };
  const result = await (await startLifecycle(stack, pipeline)).handle.result();
  assert.equal(result.dataset.rows, 731);
  assert.match(result.dataset.source, /SELECT \* FROM weather_obs/);
  assert.doesNotMatch(result.dataset.source, /mlcycle:mlcycle@/, 'no password in the recorded source');
  assert.deepEqual(
    result.dataset.columns.map((c: { kind: string }) => c.kind),
    ['date', 'numeric', 'numeric', 'numeric', 'numeric', 'categorical'],
  );
  assert.equal(result.deployment?.role, 'champion');
});

async function runOn(pipeline: PipelineDefinition, name: string, lines: string[], rerun = false) {
  const path = join(dir, name);
  await writeFile(path, lines.join('\n') + '\n');
  return (await startLifecycle(stack, pipeline, { dataPath: path, rerun })).handle.result();
}

test('rows failing a row check are quarantined when under the fraction, and the run trains on the rest', async () => {
  const pipeline = { ...base, name: 'weather-quarantine' };
  await runOn(pipeline, 'good.csv', csvLines); // pins the schema
  const lines = [...csvLines];
  for (const i of [10, 20, 30, 40, 50]) lines[i] = lines[i].replace(/^([^,]+),[^,]+,/, '$1,-5,'); // negative precipitation
  const result = await runOn(pipeline, 'five-bad.csv', lines);
  assert.equal(result.validation.ok, true);
  assert.equal(result.validation.quarantinedRows, 5);
  assert.equal(result.validation.trainingDataset.rows, 731 - 5);
  assert.equal(result.model.version, 2);
  const html = await readFile(result.validation.reportHtml, 'utf8');
  assert.match(html, /quarantine/i);
  assert.match(html, /precipitation/);

  const many = [...csvLines];
  for (let i = 1; i <= 60; i++) many[i * 10] = many[i * 10].replace(/^([^,]+),[^,]+,/, '$1,-5,');
  const err = await runOn(pipeline, 'sixty-bad.csv', many).then(
    () => assert.fail('above the quarantine fraction the run must fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
  assert.equal(err.cause.type, 'DataValidationFailed');
  assert.match(err.cause.message, /precipitation/);
  const versions = await stack.db.query('SELECT 1 FROM model_versions WHERE name = $1', [pipeline.name]);
  assert.equal(versions.rowCount, 2, 'the failed run registered nothing');
});

test('every validation report is stored and listed by status, with an HTML page that exists', async () => {
  const status = await collectStatus(stack.client, stack.db);
  const mine = status.validations.filter((v) => v.runId.startsWith('lifecycle:weather-quarantine:'));
  assert.equal(mine.length, 3);
  assert.deepEqual(mine.map((v) => v.ok).sort(), [false, true, true]);
  for (const v of mine) assert.ok(v.htmlPath && existsSync(v.htmlPath), `${v.htmlPath} exists`);
});

test('a schema a person edits and pins as the next version is what later runs are checked against', async () => {
  const pipeline = { ...base, name: 'weather-quarantine' };
  // Export through the CLI, as a person would, from the running stack.
  const exported = join(dir, 'schema.json');
  const cli = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), 'schema', pipeline.name, '--export', exported], {
    env: { ...process.env, MLCYCLE_STATE_DIR: stack.env.stateDir },
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stdout + cli.stderr);
  const schema = JSON.parse(await readFile(exported, 'utf8'));
  schema.columns.find((c: { name: string }) => c.name === 'wind').max = 3; // windy days are now out of range
  const pinned = await pinSchemaVersion(stack.db, pipeline.name, schema);
  assert.equal(pinned.version, 2);
  assert.equal((await latestSchema(stack.db, pipeline.name))?.version, 2);
  const err = await runOn(pipeline, 'windy.csv', csvLines, true).then(
    () => assert.fail('the pinned, narrower schema must stop the run'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
  assert.match(err.cause.message, /wind/);
});
