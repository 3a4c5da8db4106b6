// `mlcycle import` against a real PostgreSQL: a good model becomes the next version with its card; a bad one registers nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { attr, encodeModel, TensorDataType } from '../../lib/onnx/model.js';
import { ProtoWriter } from '../../lib/onnx/protobuf.js';
import { createDb, migrate, type Db } from '../../lib/store/db.js';
import { getDeployment, listModelVersions, setAlias } from '../../lib/store/models.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../../stack/postgres.js';
import { freePort } from '../harness.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/import/${name}`, import.meta.url));
let dir: string;
let server: RunningPostgres;
let db: Db;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-import-'));
  await chmod(dir, 0o755); // as root, the server runs as the postgres user, who must reach its data
  let lastError: unknown;
  for (let attempt = 0; attempt < 4 && !server; attempt++) {
    try {
      server = await startEmbeddedPostgres(join(dir, `pg-${attempt}`), await freePort());
    } catch (err) {
      lastError = err;
    }
  }
  if (!server) throw lastError;
  db = createDb(server.url, 4);
  await migrate(db);
});

after(async () => {
  await db?.end();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function mlcycle(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), ...args], {
    env: { ...process.env, DATABASE_URL: server.url, MLCYCLE_STATE_DIR: join(dir, 'state'), MLCYCLE_ARTIFACT_DIR: join(dir, 'state', 'artifacts') },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

async function auditActions(subjectPrefix: string): Promise<{ actor: string; action: string; details: { reason?: string; sourceSha256?: string } }[]> {
  const res = await db.query('SELECT actor, action, details FROM audit_log WHERE subject LIKE $1 ORDER BY id', [`${subjectPrefix}@%`]);
  return res.rows;
}

test('a good import registers the next version with its card and audit entry; the same file again registers nothing new', async () => {
  const file = fixture('weather-columns.onnx');
  const r = mlcycle(['import', file, '--pipeline', fixture('weather-season.json'), '--reason', 'scikit-learn baseline']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /removed ZipMap/);
  assert.match(r.out, /registered weather-columns\.onnx as import-weather v1: blessed \(holdout accuracy 0\.\d+ ≥ minimum 0\.6; no champion yet\)/);
  assert.match(r.out, /npx mlcycle alias import-weather champion 1/);
  const [v1] = await listModelVersions(db, 'import-weather');
  assert.equal(v1.version, 1);
  assert.match(v1.card.algorithm, /^imported ONNX \(skl2onnx \d/);
  assert.deepEqual(v1.card.signature.classes, ['drizzle', 'fog', 'rain', 'snow', 'sun']);
  assert.equal(v1.card.signature.task, 'classification');
  assert.equal(v1.card.primaryMetric, 'accuracy');
  assert.ok(v1.card.metrics.accuracy > 0.6 && v1.card.metrics.holdoutRows === 146, JSON.stringify(v1.card.metrics));
  assert.equal(v1.card.gate?.blessed, true);
  assert.equal(v1.card.onnx.sha256, v1.sha256);
  assert.equal(v1.card.onnx.parityMaxAbsDiff, undefined, 'no trainer to compare with: no parity figure');
  assert.ok(v1.card.libraries.skl2onnx);
  const csv = await readFile(fixture('seattle-season.csv'));
  assert.equal(v1.card.lineage?.[0].sha256, createHash('sha256').update(csv).digest('hex'));
  assert.equal(v1.card.lineage?.[0].rows, 731);
  assert.ok(existsSync(join(dir, 'state', 'artifacts', v1.sha256.slice(0, 2), v1.sha256)), 'the adapted model is in the artifact store');
  const cardPath = join(dir, 'state', 'reports', 'import-weather', 'model-v1.html');
  assert.match(r.out, new RegExp(`card: ${cardPath}`));
  assert.match(await readFile(cardPath, 'utf8'), /imported ONNX \(skl2onnx/);
  const entries = await auditActions('import-weather');
  const imported = entries.find((e) => e.action === 'import_model');
  assert.equal(imported?.actor, `os:${userInfo().username} (self-declared)`);
  assert.equal(imported?.details.reason, 'scikit-learn baseline');

  const again = mlcycle(['import', file, '--pipeline', fixture('weather-season.json')]);
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, /already registered weather-columns\.onnx as import-weather v1/);
  assert.equal((await listModelVersions(db, 'import-weather')).length, 1);
});

test('with a serving champion, the gate compares on the same holdout; the import deploys nothing', async () => {
  await setAlias(db, { modelName: 'import-weather', alias: 'champion', version: 1, actor: 'test', reason: 'serve the baseline' });
  // The same model with a doc_string (ModelProto field 6) appended: another file, the same predictions.
  const variant = join(dir, 'weather-variant.onnx');
  const docString = new ProtoWriter().string(6, 'a variant').finish();
  await writeFile(variant, Buffer.concat([await readFile(fixture('weather-columns.onnx')), docString]));
  const r = mlcycle(['import', variant, '--pipeline', fixture('weather-season.json')]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /as import-weather v2: blessed \(holdout accuracy (0\.\d+) ≥ minimum 0\.6; beats champion v1 \(\1 on the same holdout\) by 0\.0000 \(margin 0\)\)/);
  assert.equal((await getDeployment(db, 'import-weather'))?.championVersion, 1);
  assert.equal((await getDeployment(db, 'import-weather'))?.challengerVersion, null);
});

test('a regressor imports against a regression pipeline, gated on rmse', () => {
  const r = mlcycle(['import', fixture('temp-max-regressor.onnx'), '--pipeline', fixture('temp-max.json')]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /holdout \(146 rows\): rmse \d/);
  assert.match(r.out, /as import-temp-max v1: blessed \(holdout rmse \d+\.\d+ ≤ maximum 5; no champion yet\)/);
});

test('a model that cannot be used or scores wrongly exits non-zero with the reason and registers nothing', async () => {
  const wet = fixture('wet.json');
  const mismatch = mlcycle(['import', fixture('weather-columns.onnx'), '--pipeline', wet]);
  assert.equal(mismatch.code, 2, mismatch.out);
  assert.match(mismatch.out, /weather-columns\.onnx: the model's inputs do not fit the pipeline's features[^]*input "precipitation" \(float \[\?, 1\]\) is not one of the pipeline's features/);
  assert.match(mismatch.out, /nothing was registered/);

  const text = join(dir, 'notes.onnx');
  await writeFile(text, 'this is not a model\n');
  const notOnnx = mlcycle(['import', text, '--pipeline', wet]);
  assert.equal(notOnnx.code, 2, notOnnx.out);
  assert.match(notOnnx.out, /notes\.onnx: not an ONNX model/);
  const absent = mlcycle(['import', join(dir, 'absent.onnx'), '--pipeline', wet]);
  assert.equal(absent.code, 2, absent.out);
  assert.match(absent.out, /cannot read .*absent\.onnx: no such file/);

  // Raw linear scores (post_transform NONE) as "probabilities": they do not sum to 1.
  const { FLOAT, INT64 } = TensorDataType;
  const column = (name: string) => ({ name, elemType: FLOAT, dims: ['N', 1] });
  const scores = join(dir, 'raw-scores.onnx');
  await writeFile(scores, encodeModel({
    opsets: [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 1 }],
    producerName: 'hand',
    graph: {
      name: 'raw',
      inputs: ['temp_max', 'temp_min', 'wind'].map(column),
      outputs: [{ name: 'label', elemType: INT64, dims: ['N'] }, { name: 'probabilities', elemType: FLOAT, dims: ['N', 2] }],
      nodes: [
        { opType: 'Concat', inputs: ['temp_max', 'temp_min', 'wind'], outputs: ['x'], attributes: { axis: attr.int(1) } },
        { opType: 'LinearClassifier', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['label', 'probabilities'], attributes: {
          classlabels_ints: attr.ints([0, 1]), coefficients: attr.floats([0.1, 0.1, 0.1, -0.1, -0.1, -0.1]), intercepts: attr.floats([0, 0]), post_transform: attr.string('NONE'),
        } },
      ],
    },
  }));
  const smoke = mlcycle(['import', scores, '--pipeline', wet]);
  assert.equal(smoke.code, 1, smoke.out);
  assert.match(smoke.out, /raw-scores\.onnx: smoke test failed on 146 holdout rows:\n {2}- a probability is negative or not finite: 146 row\(s\), e\.g\. row 0: \[1\.01, -1\.01\]\n {2}- probabilities do not sum to 1 \(±1e-3\): 146 row\(s\), e\.g\. row 0: sum 0\n/);
  assert.match(smoke.out, /nothing was registered/);

  assert.equal((await listModelVersions(db, 'import-wet')).length, 0);
  assert.deepEqual(await auditActions('import-wet'), []);
});
