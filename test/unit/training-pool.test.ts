// The training pool gives byte-for-byte what runTrial / trainCandidate compute on the main thread; progress, errors, abort.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { failClosedOnBadData } from '../../activities/deps.js';
import { createTrainingPool, type CrossValidateRequest, type TrainingPool, type TrainingProgress, type TrainingSpec } from '../../activities/trainingPool.js';
import { DataError } from '../../lib/data/errors.js';
import { decodeSnapshot, encodeSnapshot } from '../../lib/data/snapshot.js';
import { readSource } from '../../lib/data/sources/index.js';
import type { Table } from '../../lib/data/table.js';
import { ArtifactStore } from '../../lib/store/artifacts.js';
import { crossValidate, holdoutSplit, scoreModel } from '../../lib/train/evaluate.js';
import { fitModel } from '../../lib/train/model.js';

const data = (file: string): string => fileURLToPath(new URL(`../../node_modules/vega-datasets/data/${file}`, import.meta.url));
const SEATTLE = fileURLToPath(new URL('../../examples/seattle-weather/train-2012-2013.csv', import.meta.url));

let dir: string;
let store: ArtifactStore;
let pool: TrainingPool;
const snapshots = new Map<string, { uri: string; table: Table }>();

/** Stores a file as a snapshot and keeps the decoded table, as loadSnapshot would give it to runTrial. */
async function snapshot(name: string, path: string): Promise<void> {
  const ref = await store.put(encodeSnapshot(await readSource({ kind: 'file', path })));
  snapshots.set(name, { uri: ref.uri, table: decodeSnapshot(await store.get(ref.uri), ref.uri) });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-trainpool-'));
  store = new ArtifactStore(dir);
  await snapshot('seattle', SEATTLE);
  await snapshot('penguins', data('penguins.json'));
  await snapshot('cars', data('cars.json'));
  pool = createTrainingPool({ threads: 2, progressEveryMs: 0 });
  await pool.warmUp();
});

after(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

const seattle = { numeric: ['precipitation', 'temp_max', 'temp_min', 'wind'], categorical: [] };
const penguins = { numeric: ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'], categorical: ['Island', 'Sex'] };
const cars = { numeric: ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration'], categorical: ['Origin'] };
const gbdt = { nEstimators: 40, learningRate: 0.1, maxLeaves: 15, minSamplesLeaf: 5, subsample: 0.8, colsampleBytree: 0.8 };

const cases: { name: string; data: string; spec: TrainingSpec; metric: CrossValidateRequest['metric']; budget: number }[] = [
  { name: 'seattle logreg', data: 'seattle', spec: { task: 'classification', target: 'weather', features: seattle, algorithm: 'logreg', params: { l2: 0.1 }, seed: 7 }, metric: 'accuracy', budget: 1 },
  { name: 'seattle gbdt (half budget)', data: 'seattle', spec: { task: 'classification', target: 'weather', features: seattle, algorithm: 'gbdt', params: gbdt, seed: 7 }, metric: 'logLoss', budget: 0.5 },
  { name: 'penguins logreg', data: 'penguins', spec: { task: 'classification', target: 'Species', features: penguins, algorithm: 'logreg', params: { l2: 0.01 }, seed: 3 }, metric: 'macroF1', budget: 1 },
  { name: 'penguins gbdt', data: 'penguins', spec: { task: 'classification', target: 'Species', features: penguins, algorithm: 'gbdt', params: gbdt, seed: 3 }, metric: 'accuracy', budget: 1 },
  { name: 'cars gbdt regression', data: 'cars', spec: { task: 'regression', target: 'Miles_per_Gallon', features: cars, algorithm: 'gbdt', params: gbdt, seed: 11 }, metric: 'rmse', budget: 1 },
];

function request(c: (typeof cases)[number]): CrossValidateRequest {
  const snap = snapshots.get(c.data)!;
  return { artifactsRoot: dir, snapshotUri: snap.uri, holdoutFraction: 0.2, seed: c.spec.seed ?? 0, spec: c.spec, metric: c.metric, folds: 5, budget: c.budget };
}

for (const c of cases) {
  test(`${c.name}: the pool's CV and candidate fit equal the main thread's, byte for byte`, async () => {
    const req = request(c);
    const all = snapshots.get(c.data)!.table;
    const { spec, seed } = req;
    // What runTrial does today.
    const { train, test: holdout } = holdoutSplit(all, spec.target, req.holdoutFraction, seed, spec.task);
    const rows = c.budget < 1 ? holdoutSplit(train, spec.target, 1 - c.budget, seed, spec.task).train : train;
    const direct = crossValidate(rows, { ...spec, onProgress: () => undefined }, c.metric, req.folds, seed, () => undefined);
    const progress: TrainingProgress[] = [];
    const cv = await pool.crossValidateTrial(req, { onProgress: (p) => progress.push(p) });
    assert.deepEqual({ mean: cv.mean, std: cv.std, folds: cv.folds, rows: cv.rows }, { ...direct, rows: rows.rows });
    assert.ok(cv.ms > 0);
    assert.deepEqual(progress.filter((p) => p.kind === 'fold').map((p) => p.done), [1, 2, 3, 4, 5]);
    if (spec.algorithm === 'gbdt') assert.ok(progress.some((p) => p.kind === 'round' && p.round > 1 && p.fold !== null));
    // What trainCandidate does today.
    const model = fitModel(train, { ...spec, onProgress: () => undefined });
    // A spec straight from specOf may carry a callback: it stays on this side.
    const withCallback = { ...spec, onProgress: () => undefined };
    const fit = await pool.fitCandidate({ artifactsRoot: dir, snapshotUri: req.snapshotUri, holdoutFraction: req.holdoutFraction, seed, spec: withCallback });
    assert.equal(fit.modelJson, JSON.stringify(model));
    assert.equal((await store.put(fit.modelJson)).sha256, (await store.putJson(model)).sha256);
    assert.deepEqual(fit.holdout, scoreModel(model, holdout));
  });
}

test('trials run at the same time on different threads and give the same results as one by one', async () => {
  const reqs = cases.map(request);
  const together = await Promise.all(reqs.map((r) => pool.crossValidateTrial(r)));
  for (const [i, r] of reqs.entries()) {
    const alone = await pool.crossValidateTrial(r);
    assert.deepEqual({ ...together[i], ms: 0 }, { ...alone, ms: 0 });
  }
});

test('a DataError in the thread comes back as a DataError, and failClosedOnBadData still makes it non-retryable', async () => {
  const bad = await store.put('not an arrow stream at all');
  const req = { ...request(cases[0]), snapshotUri: bad.uri };
  const err = await pool.crossValidateTrial(req).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DataError, `got ${String(err)}`);
  assert.match(err.message, /not readable as Arrow IPC/);
  assert.deepEqual(err.details, { source: bad.uri });
  await assert.rejects(failClosedOnBadData(() => pool.fitCandidate(req)), (e: Error & { type?: string; nonRetryable?: boolean }) => {
    assert.equal(e.name, 'ApplicationFailure');
    assert.equal(e.type, 'DataError');
    assert.equal(e.nonRetryable, true);
    return true;
  });
});

test('other errors keep their name and message and stay retryable', async () => {
  const req = request(cases[0]);
  const missing = { ...req, spec: { ...req.spec, target: 'no_such_column' } };
  await assert.rejects(pool.crossValidateTrial(missing), (e: Error) => {
    assert.ok(!(e instanceof DataError));
    assert.equal(e.name, 'Error');
    assert.match(e.message, /column "no_such_column" not found/);
    assert.match(e.stack ?? '', /training worker thread/);
    return true;
  });
  const unknownParam = { ...req, spec: { ...req.spec, algorithm: 'gbdt' as const, params: { bogus: 1 } } };
  await assert.rejects(failClosedOnBadData(() => pool.crossValidateTrial(unknownParam)), /gbdt: unknown hyperparameter "bogus"/);
});

test('an aborted call rejects at once, stops its thread, and the pool keeps working', async () => {
  const req = { ...request(cases[3]), spec: { ...cases[3].spec, params: { ...gbdt, nEstimators: 100000, learningRate: 0.001 } } };
  const controller = new AbortController();
  let rounds = 0;
  const running = pool.crossValidateTrial(req, {
    signal: controller.signal,
    onProgress: (p) => {
      if (p.kind === 'round' && ++rounds === 3) controller.abort();
    },
  });
  const started = Date.now();
  await assert.rejects(running, (e: Error) => e.name === 'AbortError');
  assert.ok(Date.now() - started < 10_000);
  const later = await pool.crossValidateTrial(request(cases[0]));
  assert.equal(later.folds.length, 5);
  await assert.rejects(pool.crossValidateTrial(req, { signal: AbortSignal.abort() }), (e: Error) => e.name === 'AbortError');
});
