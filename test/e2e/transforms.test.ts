// Derived features end to end: examples/seattle-weather/transforms.json trains, packages (transforms in the graph) and serves raw requests.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { tableFromColumns } from '../../lib/data/typing.js';
import { float32Table } from '../../lib/onnx/parity.js';
import type { ModelCard } from '../../lib/report/modelCard.js';
import { ArtifactStore } from '../../lib/store/artifacts.js';
import { predictModel, type TrainedModel } from '../../lib/train/model.js';
import { completeResult, resolveMlPipeline, startLifecycle } from '../../triggers/client.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.teardown();
});

const RAW = [
  { date: '2014-07-15', precipitation: 0, temp_max: 30.6, temp_min: 15, wind: 2.1 },
  { date: '2014-12-01', precipitation: 12.4, temp_max: 8.3, temp_min: 3.9, wind: 6.2 },
  { date: '2015-02-10', precipitation: 0.3, temp_max: 11.1, temp_min: 5, wind: 1.2 },
];

test('a pipeline with derived features trains, packages a graph over raw columns and serves raw requests as the trainer predicts', async () => {
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
