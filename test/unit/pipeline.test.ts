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
  assert.equal(p.search?.folds, 5);
  assert.equal(p.monitor.minRows, 100);
});

test('a rollout is checked against the task, and the old deploy section is named with what replaced it', () => {
  const rollout = { minEffect: 0.02, stages: [{ name: 'ab', traffic: 0.5 }] };
  assert.equal(parsePipeline({ ...base(), rollout }, 'test.json', '/tmp').rollout?.guardrails.maxErrorRate, 0.01);
  assert.match(problem((p) => (p.rollout = { ...rollout, metric: 'squaredError' })), /rollout\.metric: "squaredError" does not fit a classification task/);
  assert.match(problem((p) => (p.rollout = { stages: rollout.stages })), /rollout\.minEffect/);
  assert.match(problem((p) => (p.deploy = { challengerWeight: 0.2 })), /deploy: was replaced by "rollout"/);
});

test('each mistake is named with its path', () => {
  assert.match(problem((p) => (p.name = 'Bad Name')), /name: must be lowercase/);
  assert.match(problem((p) => (p.target = '')), /target:/);
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

test('the penguins (classification) and cars-mpg (regression) examples load', async () => {
  const penguins = await loadPipeline(join(PROJECT_ROOT, 'examples/penguins/pipeline.json'));
  assert.equal(penguins.task, 'classification');
  assert.ok(penguins.search?.space.gbdt && penguins.search.space.logreg);
  const cars = await loadPipeline(join(PROJECT_ROOT, 'examples/cars-mpg/pipeline.json'));
  assert.equal(cars.task, 'regression');
  assert.deepEqual(cars.gate, { metric: 'rmse', maximum: 4.5, minImprovement: 0 });
});

test('algorithms, gate metrics and bounds must fit the task; GBDT hyperparameters are range-checked', () => {
  const regression = (p: Record<string, unknown>) => (p.task = 'regression');
  assert.match(problem(regression), /search\.space\.logreg: "logreg" cannot learn a regression task/);
  assert.match(problem((p) => (p.search = { space: { ridge: { alpha: [1] } } })), /search\.space\.ridge: "ridge" cannot learn a classification task/);
  assert.match(problem((p) => (p.gate = { metric: 'rmse', maximum: 3 })), /gate\.metric: "rmse" is a regression metric; this pipeline's task is classification/);
  assert.match(problem((p) => (p.gate = { metric: 'accuracy', maximum: 0.9 })), /gate\.minimum: is required for "accuracy"[\s\S]*gate\.maximum: does not apply/);
  assert.match(problem((p) => { regression(p); p.search = { space: { gbdt: {} } }; p.gate = { metric: 'rmse', minimum: 1 }; }), /gate\.maximum: is required for "rmse" \(lower is better\)/);
  assert.match(problem((p) => (p.search = { space: { gbdt: { learningRate: [0] } } })), /search\.space\.gbdt\.learningRate\.0: must be a number in \(0, 1\]/);
  assert.match(problem((p) => (p.search = { space: { gbdt: { maxLeaves: [7.5] } } })), /maxLeaves\.0: must be an integer/);
  assert.match(problem((p) => (p.search = { space: { gbdt: { subsample: { min: 0.5, max: 1 } } } })), /search\.space\.gbdt\.subsample: grid search needs a list/);
  assert.match(problem((p) => (p.search = { space: { gbdt: { nEsimators: [10] } } })), /nEsimators/);
  assert.match(problem((p) => (p.search = { space: {} })), /names no algorithm/);
  const ok = parsePipeline({ ...base(), task: 'regression', search: { strategy: 'random', trials: 4, space: { ridge: { alpha: { min: 0.01, max: 10 } }, gbdt: { maxLeaves: { min: 4, max: 64 } } } }, gate: { metric: 'r2', minimum: 0.5 } }, 't', '/tmp');
  assert.equal(ok.task, 'regression');
});

test('unreadable and malformed files are reported with their path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-pipeline-'));
  await assert.rejects(loadPipeline(join(dir, 'missing.json')), /cannot read pipeline .*missing\.json: no such file/);
  await writeFile(join(dir, 'broken.json'), '{"name": ');
  await assert.rejects(loadPipeline(join(dir, 'broken.json')), /broken\.json is not valid JSON/);
});
