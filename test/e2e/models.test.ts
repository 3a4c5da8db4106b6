// Every algorithm through the real loop: GBDT and ridge regression on cars-mpg, GBDT classification on penguins, served over HTTP; derived features (transforms) on seattle-weather.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { MlPipeline as PipelineDefinition } from '../../lib/steps/sections.js';
import type { ModelCard } from '../../lib/report/modelCard.js';
import { setAlias } from '../../lib/store/models.js';
import { tableFromColumns } from '../../lib/data/typing.js';
import { float32Table } from '../../lib/onnx/parity.js';
import { ArtifactStore } from '../../lib/store/artifacts.js';
import { predictModel, type TrainedModel } from '../../lib/train/model.js';
import { completeResult, resolveMlPipeline, startLifecycle, type CompleteLifecycleResult } from '../../triggers/client.js';
import { checkImport } from '../../triggers/importCheck.js';
import { registerImport } from '../../triggers/importCommand.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.teardown();
});

async function run(pipeline: PipelineDefinition): Promise<CompleteLifecycleResult> {
  const started = await startLifecycle(stack, pipeline, { rerun: true, noCache: true });
  return completeResult(await started.handle.result().catch((err: Error & { cause?: Error }) => {
    throw new Error(`${started.workflowId} failed: ${err.cause?.message ?? err.message}`);
  }));
}

async function card(name: string, version: number): Promise<ModelCard> {
  const rows = await stack.db.query<{ card: ModelCard }>('SELECT card FROM model_versions WHERE name = $1 AND version = $2', [name, version]);
  return rows.rows[0].card;
}

async function predict(name: string, instances: Record<string, unknown>[]): Promise<{ status: number; body: { predictions: Record<string, unknown>[] } }> {
  const res = await fetch(`${stack.info.httpUrl}/v1/models/${name}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances }),
  });
  return { status: res.status, body: (await res.json()) as { predictions: Record<string, unknown>[] } };
}

async function waitServed(name: string, version: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { models } = (await (await fetch(`${stack.info.httpUrl}/v1/models`)).json()) as { models: { name: string; champion: { version: number } }[] };
    if (models.some((m) => m.name === name && m.champion.version === version)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${name}@${version} was never served`);
}

test('regression: ridge and GBDT compete on RMSE; the winner is packaged with relative parity ≤ 1e-6, served and gated', async () => {
  const pipeline = await resolveMlPipeline('cars-mpg');
  const result = await run(pipeline);
  assert.deepEqual(new Set(result.trials.map((t) => t.algorithm)), new Set(['ridge', 'gbdt']));
  assert.equal(result.trials.length, 8);
  const best = result.trials.reduce((a, b) => (b.cvScore < a.cvScore ? b : a));
  assert.equal(result.bestTrial.cvScore, best.cvScore, 'the lowest CV RMSE wins');
  assert.equal(result.bestTrial.higherIsBetter, false);
  const { rmse, mae, r2 } = result.candidate.holdoutMetrics;
  assert.ok(rmse > 0 && rmse < 4.5 && mae <= rmse && r2 > 0.6, JSON.stringify(result.candidate.holdoutMetrics));
  assert.equal(result.candidate.blessed, true);
  assert.equal(result.deployment?.role, 'champion');

  const c = await card('cars-mpg', result.model.version);
  assert.equal(c.signature.task, 'regression');
  assert.deepEqual(c.signature.classes, []);
  assert.equal(c.onnx.parity?.measure, 'maxRelativeDiff');
  assert.ok((c.onnx.parity?.value ?? 1) <= 1e-6);
  assert.ok(c.metricIntervals?.rmse && c.metricIntervals.rmse.lower <= rmse && rmse <= c.metricIntervals.rmse.upper);
  assert.match(await readFile(result.model.cardHtml, 'utf8'), /rmse/);

  await waitServed('cars-mpg', result.model.version);
  const served = await predict('cars-mpg', [
    { Cylinders: 4, Displacement: 97, Horsepower: 88, Weight_in_lbs: 2130, Acceleration: 14.5, Origin: 'Japan' },
    { Cylinders: 8, Displacement: 350, Horsepower: null, Weight_in_lbs: 4500, Acceleration: 11, Origin: 'Mars' },
  ]);
  assert.equal(served.status, 200);
  const [light, heavy] = served.body.predictions.map((p) => p.value as number);
  assert.ok(light > heavy && light > 20 && heavy < 20, `a light Japanese four-cylinder beats a heavy V8: ${light} vs ${heavy}`);

  // A stricter gate than the data allows: registered for the record, never deployed.
  const strict = await run({ ...pipeline, gate: { metric: 'rmse', maximum: 0.5, minImprovement: 0 } });
  assert.equal(strict.candidate.blessed, false);
  assert.match(strict.candidate.gateReason, /holdout rmse .* > maximum 0\.5/);
  assert.equal(strict.deployment, null);
});

test('classification: GBDT over ordinal-encoded categories with missing values, parity ≤ 1e-5, unseen categories served', async () => {
  const base = await resolveMlPipeline('penguins');
  const pipeline: PipelineDefinition = {
    ...base,
    search: { ...base.search, strategy: 'grid', space: { gbdt: { nEstimators: [60], learningRate: [0.1], maxLeaves: [7, 15], minSamplesLeaf: [5] } } },
  };
  const result = await run(pipeline);
  assert.equal(result.bestTrial.algorithm, 'gbdt');
  assert.ok(result.candidate.holdoutMetrics.macroF1 > 0.9);
  assert.ok(result.model.parityMaxAbsDiff <= 1e-5);
  const c = await card('penguins', result.model.version);
  assert.match(c.algorithm, /gradient-boosted trees \(multiclass/);
  assert.equal(c.hyperparameters.maxLeaves === 7 || c.hyperparameters.maxLeaves === 15, true);
  assert.deepEqual(c.signature.classes, ['Adelie', 'Chinstrap', 'Gentoo']);

  await waitServed('penguins', result.model.version);
  const served = await predict('penguins', [
    { Island: 'Biscoe', Sex: 'FEMALE', 'Beak Length (mm)': 46.5, 'Beak Depth (mm)': 14.4, 'Flipper Length (mm)': 217, 'Body Mass (g)': 4900 },
    { Island: 'Atlantis', Sex: null, 'Beak Length (mm)': 38, 'Beak Depth (mm)': 18.5, 'Flipper Length (mm)': null, 'Body Mass (g)': 3600 },
  ]);
  assert.equal(served.status, 200);
  assert.deepEqual(served.body.predictions.map((p) => p.label), ['Gentoo', 'Adelie']);
});

test('a regression pipeline whose target is text stops at validation, naming the column; nothing is registered', async () => {
  const pipeline: PipelineDefinition = { ...(await resolveMlPipeline('cars-mpg')), name: 'cars-by-name', target: 'Name', validation: { expectations: [], rangeTolerance: 0.5 } };
  await assert.rejects(run(pipeline), /column "Name": expected numeric, found categorical/);
  const versions = await stack.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM model_versions WHERE name = 'cars-by-name'");
  assert.equal(versions.rows[0].n, 0);
});

test('a definition given in TypeScript is validated like a pipeline.json: nothing invalid reaches a workflow', async () => {
  const base = await resolveMlPipeline('penguins');
  await assert.rejects(
    startLifecycle(stack, { ...base, name: 'penguins-bad', gate: { metric: 'rmse', maximum: 1, minImprovement: 0 } }),
    /pipeline "penguins-bad" is invalid:\n {2}- gate\.metric: "rmse" is a regression metric; this pipeline's task is classification/,
  );
  const started: string[] = [];
  for await (const w of stack.client.workflow.list({ query: 'WorkflowId STARTS_WITH "lifecycle:penguins-bad"' })) started.push(w.workflowId);
  assert.deepEqual(started, []);
});

test('an imported scikit-learn model, once an alias is moved to it, is served like a trained one', async () => {
  const fixture = (name: string): string => join(PROJECT_ROOT, 'test/fixtures/import', name);
  const pipeline = await resolveMlPipeline(fixture('weather-season.json'));
  const checked = await checkImport(fixture('weather-columns.onnx'), pipeline, stack.info.databaseUrl);
  const deps = { db: stack.db, artifacts: stack.artifacts, reportsDir: join(stack.env.stateDir, 'reports') };
  const imported = await registerImport(deps, checked, pipeline, { actor: 'test', reason: 'baseline from scikit-learn' });
  assert.equal(imported.blessed, true, imported.reason);
  await setAlias(stack.db, { modelName: pipeline.name, alias: 'champion', version: imported.version, actor: 'test', reason: 'serve the import' });
  await waitServed(pipeline.name, imported.version);
  const served = await predict(pipeline.name, [
    { precipitation: 20.3, temp_max: 9.4, temp_min: 5.6, wind: 5.1, season: 'winter' },
    { precipitation: 0, temp_max: 29.4, temp_min: 15, wind: 2.4, season: 'summer' },
  ]);
  assert.equal(served.status, 200);
  assert.deepEqual(served.body.predictions.map((p) => p.label), ['rain', 'sun']);
  const probabilities = served.body.predictions[0].probabilities as Record<string, number>;
  assert.deepEqual(Object.keys(probabilities).sort(), ['drizzle', 'fog', 'rain', 'snow', 'sun']);
  assert.ok(Math.abs(Object.values(probabilities).reduce((a, b) => a + b, 0) - 1) < 1e-5);
});

const RAW = [
  { date: '2014-07-15', precipitation: 0, temp_max: 30.6, temp_min: 15, wind: 2.1 },
  { date: '2014-12-01', precipitation: 12.4, temp_max: 8.3, temp_min: 3.9, wind: 6.2 },
  { date: '2015-02-10', precipitation: 0.3, temp_max: 11.1, temp_min: 5, wind: 1.2 },
];

test('transforms: a pipeline with derived features trains, packages a graph over raw columns and serves raw requests as the trainer predicts', async () => {
  const pipeline = await resolveMlPipeline(join(PROJECT_ROOT, 'examples/seattle-weather/transforms.json'));
  const started = await startLifecycle(stack, pipeline, { rerun: true, noCache: true });
  const result = completeResult(await started.handle.result());
  assert.equal(result.candidate.blessed, true);

  const { card } = (await stack.db.query<{ card: ModelCard }>('SELECT card FROM model_versions WHERE name = $1 AND version = $2', [pipeline.name, result.model.version])).rows[0];
  assert.deepEqual(card.signature.inputs.map((i) => `${i.name}:${i.kind}`).sort(), ['date:categorical', 'precipitation:numeric', 'temp_max:numeric', 'temp_min:numeric', 'wind:numeric']);
  assert.ok((card.onnx.parity?.value ?? 1) <= 1e-5);
  assert.match(card.transforms?.computedBy ?? '', /^arquero/);
  const wind = card.transforms?.transforms.find((t) => t.name === 'wind_z');
  assert.ok(wind?.statistics && (wind.statistics.mean as number) > 0 && (wind.statistics.std as number) > 0, JSON.stringify(wind));

  const served = await eventually('the model served', 20_000, async () => {
    const res = await fetch(`${stack.info.httpUrl}/v1/models/${pipeline.name}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: RAW }) });
    return res.status === 200 ? ((await res.json()) as { predictions: { label: string; probabilities: Record<string, number> }[] }) : null;
  });

  // The trainer, on the same raw rows (float32, as served): arquero derives the features, the model predicts.
  const model = await new ArtifactStore(stack.env.artifactDir).getJson<TrainedModel>(result.candidate.modelUri);
  const table = float32Table(tableFromColumns(Object.keys(RAW[0]).map((name) => ({ name, values: RAW.map((r) => r[name as keyof (typeof RAW)[0]]) })), 'request'), ['precipitation', 'temp_max', 'temp_min', 'wind']);
  const trainer = predictModel(model, table);
  assert.equal(trainer.task, 'classification');
  if (trainer.task !== 'classification') return;
  served.predictions.forEach((p, i) => {
    trainer.classes.forEach((c, k) => assert.ok(Math.abs(p.probabilities[c] - trainer.proba[i * trainer.classes.length + k]) <= 1e-5, `row ${i} ${c}: served ${p.probabilities[c]}, trainer ${trainer.proba[i * trainer.classes.length + k]}`));
  });
});
