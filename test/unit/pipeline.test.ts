// Pipeline definitions: the example loads; every kind of mistake is named with its path; nothing is half-accepted.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPipeline, parsePipeline, PipelineError } from '../../lib/config/pipeline.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';

const example = join(PROJECT_ROOT, 'examples/seattle-weather/pipeline.json');

test('the seattle-weather example loads with its data path resolved next to it', async () => {
  const p = await loadPipeline(example);
  assert.equal(p.name, 'seattle-weather');
  assert.deepEqual(p.data, { path: join(PROJECT_ROOT, 'examples/seattle-weather/train-2012-2013.csv') });
  assert.deepEqual(p.gate, { metric: 'accuracy', minimum: 0.6, minImprovement: 0.01 });
});

function base(): Record<string, unknown> {
  return {
    name: 'p',
    data: { path: 'x.csv' },
    target: 'y',
    features: { numeric: ['a'], categorical: ['b'] },
    search: { space: { logreg: { l2: [0.1] } } },
  };
}

function problem(edit: (p: Record<string, unknown>) => void): string {
  const p = base();
  edit(p);
  try {
    parsePipeline(p, 'test.json', '/tmp');
  } catch (err) {
    assert.ok(err instanceof PipelineError);
    return err.message;
  }
  return assert.fail('expected a PipelineError');
}

test('a Postgres query is a data source; its path-less definition stays as written', () => {
  const p = parsePipeline({ ...base(), data: { postgres: { query: 'SELECT * FROM t', urlEnv: 'SOURCE_DB' } } }, 'test.json', '/tmp');
  assert.deepEqual(p.data, { postgres: { query: 'SELECT * FROM t', urlEnv: 'SOURCE_DB' } });
});

test('defaults fill in, and a missing gate stays missing (fail closed: nothing will deploy)', () => {
  const p = parsePipeline(base(), 'test.json', '/tmp');
  assert.equal(p.gate, undefined);
  assert.equal(p.search.folds, 5);
  assert.equal(p.monitor.minRows, 100);
});

test('each mistake is named with its path', () => {
  assert.match(problem((p) => (p.name = 'Bad Name')), /name: must be lowercase/);
  assert.match(problem((p) => delete p.target), /target:/);
  assert.match(problem((p) => (p.features = { numeric: ['a', 'a'] })), /feature "a" is listed twice/);
  assert.match(problem((p) => (p.features = { numeric: ['y'] })), /target "y" is also a feature/);
  assert.match(problem((p) => (p.features = { numeric: [] })), /at least one feature/);
  assert.match(problem((p) => (p.search = { folds: 1, space: { logreg: { l2: [0.1] } } })), /search\.folds/);
  assert.match(problem((p) => (p.search = { space: { logreg: { l2: [-1] } } })), /search\.space\.logreg\.l2\.0/);
  assert.match(problem((p) => (p.gate = { metric: 'auc', minimum: 0.5 })), /gate\.metric/);
  assert.match(problem((p) => (p.monitor = { ksPValueThreshold: 2 })), /monitor\.ksPValueThreshold/);
  assert.match(problem((p) => (p.extra = true)), /extra/);
  assert.match(problem((p) => (p.data = { postgres: { query: 'select 1', urlEnv: 'lower-case' } })), /data/);
  assert.match(problem((p) => (p.data = { path: 'x.csv', format: 'xlsx' })), /data/);
});

test('unreadable and malformed files are reported with their path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-pipeline-'));
  await assert.rejects(loadPipeline(join(dir, 'missing.json')), /cannot read pipeline .*missing\.json: no such file/);
  await writeFile(join(dir, 'broken.json'), '{"name": ');
  await assert.rejects(loadPipeline(join(dir, 'broken.json')), /broken\.json is not valid JSON/);
});
