// Models for the edge-bundle tests: the demo's classifier trained on seattle-weather, one with derived features (transforms), and an imported scikit-learn model; served.
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { loadPipeline } from '../../lib/config/pipeline.js';
import { ML_SECTIONS, requireSections } from '../../lib/steps/sections.js';
import { readSource } from '../../lib/data/sources/index.js';
import { recordsFromTable } from '../../lib/data/records.js';
import { fitClassifierDetailed } from '../../lib/train/classifier.js';
import { exportClassifierToOnnx } from '../../lib/onnx/exportClassifier.js';
import { classifierInputs } from '../../lib/onnx/feeds.js';
import { adaptExternalModel } from '../../lib/onnx/adaptExternal.js';
import { exportModelToOnnx, modelInputs } from '../../lib/onnx/exportModel.js';
import { fitModel } from '../../lib/train/model.js';
import type { TransformDeclaration } from '../../lib/transforms/schema.js';
import { deployVersion } from '../../lib/store/models.js';
import type { ModelSignature } from '../../lib/report/modelCard.js';
import { registerModelBytes, tinyCard, type TestStack } from './harness.js';

const file = (name: string): string => fileURLToPath(new URL(`../fixtures/import/${name}`, import.meta.url));
const FEATURES = { numeric: ['precipitation', 'temp_max', 'temp_min', 'wind'], categorical: ['season'] };
/** Derived features compiled into the graph: arithmetic, a date part, a string function, a learned scaling and vocabulary. */
const TRANSFORMS: TransformDeclaration[] = [
  { name: 'temp_range', expr: 'temp_max - temp_min' },
  { name: 'month', expr: 'month(date)' },
  { name: 'log_rain', expr: 'log(precipitation + 1)' },
  { name: 'wind_z', standardize: 'wind' },
  { name: 'season_key', expr: 'lower(trim(season))' },
  { name: 'season_code', vocabulary: 'season_key', encode: 'index' },
];

/** Rows to predict: the data's first rows, then missing values and a season the models never saw. */
export async function edgeRecords(n: number): Promise<Record<string, unknown>[]> {
  const table = await readSource({ kind: 'file', path: file('seattle-season.csv') });
  const rows = recordsFromTable(table, ['date', ...FEATURES.numeric, ...FEATURES.categorical]).slice(0, n) as Record<string, unknown>[];
  rows.push({ date: null, precipitation: null, temp_max: 30.5, temp_min: null, wind: 1.25, season: null });
  rows.push({ date: '2031-07-04', precipitation: 3, temp_max: -4.5, temp_min: -9, wind: 12, season: ' Monsoon ' });
  return rows;
}

export interface EdgeFixtureModel {
  name: string;
  bytes: Uint8Array;
  signature: ModelSignature;
  algorithm: string;
}

/** `weather` (trained here, as the demo does), `weather-derived` (transforms in its graph: it takes the raw date and season) and `weather-sklearn` (imported: rewritten to the serving contract as `mlcycle import` does). */
export async function edgeModels(): Promise<EdgeFixtureModel[]> {
  const table = await readSource({ kind: 'file', path: file('seattle-season.csv') });
  const { model } = fitClassifierDetailed(table, { target: 'weather', features: FEATURES, l2: 1e-3 });
  const pipeline = requireSections(await loadPipeline(file('weather-season.json')), ML_SECTIONS, 'weather-season.json');
  const derived = fitModel(table, {
    task: 'classification', target: 'weather', algorithm: 'logreg', params: { l2: 1e-3 }, transforms: TRANSFORMS,
    features: { numeric: ['temp_range', 'month', 'log_rain', 'wind_z', 'temp_max', 'season_code'], categorical: [] },
  });
  const adapted = adaptExternalModel(new Uint8Array(await readFile(file('weather-columns.onnx'))), pipeline, 'weather-columns.onnx');
  return [
    { name: 'weather', bytes: exportClassifierToOnnx(model), signature: { inputs: classifierInputs(model), target: 'weather', task: 'classification', classes: model.classes }, algorithm: 'logistic regression' },
    { name: 'weather-derived', bytes: exportModelToOnnx(derived), signature: { inputs: modelInputs(derived), target: 'weather', task: 'classification', classes: derived.classes }, algorithm: 'logistic regression on derived features' },
    { name: 'weather-sklearn', bytes: adapted.bytes, signature: adapted.signature, algorithm: 'scikit-learn (imported)' },
  ];
}

/** Registers both and serves each as its model's champion. */
export async function serveEdgeModels(stack: Pick<TestStack, 'db' | 'artifacts'>): Promise<void> {
  for (const m of await edgeModels()) {
    const row = await registerModelBytes(stack, m.name, m.bytes, `run-edge-${m.name}`, (name, sha256, bytes) => ({ ...tinyCard(name, sha256, bytes), algorithm: m.algorithm, signature: m.signature }));
    await deployVersion(stack.db, m.name, row.version, 0, 'edge tests');
  }
}
