// Edge bundles (mlcycle export): node and browser (real Chromium) answer as the serving API, a tampered file is refused, bad input leaves nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cp, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { exportBundle, writeBundle, type BundledVersion } from '../../edge/export/exportBundle.js';
import type { EdgeModel, EdgePrediction } from '../../edge/runtime/bundleModel.js';
import { CHROMIUM_MISSING, findChromium } from '../chromium.js';
import { serveFolder } from '../staticServer.js';
import { startTestStack, type TestStack } from './harness.js';
import { edgeRecords, serveEdgeModels } from './edgeFixture.js';

const MODELS = ['weather', 'weather-derived', 'weather-sklearn'];
let stack: TestStack;
let serving: ServingApp;
let out: string;
let records: Record<string, unknown>[];
/** The serving API's answer per model, for the same records. */
const served = new Map<string, EdgePrediction[]>();

before(async () => {
  stack = await startTestStack();
  await serveEdgeModels(stack);
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false, predictionLog: { intervalMs: 50 } });
  records = await edgeRecords(40);
  for (const name of MODELS) {
    const res = await serving.app.inject({ method: 'POST', url: `/v1/models/${name}/predict`, payload: { instances: records } });
    assert.equal(res.statusCode, 200, res.body);
    served.set(name, (res.json() as { predictions: EdgePrediction[] }).predictions);
  }
  out = await mkdtemp(join(tmpdir(), 'mlcycle-edge-'));
  // What `npm install` in a node bundle gives it: onnxruntime-node found from the bundle's folder.
  await symlink(join(process.cwd(), 'node_modules'), join(out, 'node_modules'));
});

after(async () => {
  await serving?.app.close();
  await stack?.stop();
});

/** Same answers as the server's to 1e-6 (ids are the edge's own; the variant is "edge"). */
function assertSameAnswers(edge: EdgePrediction[], server: EdgePrediction[], what: string): void {
  assert.equal(edge.length, server.length, what);
  for (let i = 0; i < server.length; i++) {
    const e = edge[i] as Record<string, unknown>;
    const s = server[i] as Record<string, unknown>;
    assert.equal(e.version, s.version, `${what} [${i}] version`);
    assert.equal(e.variant, 'edge');
    assert.match(String(e.requestId), /^[0-9a-f-]{32}[0-9a-f]{4}$/);
    if ('value' in s) assert.ok(Math.abs(Number(e.value) - Number(s.value)) <= 1e-6, `${what} [${i}] value ${String(e.value)} vs ${String(s.value)}`);
    else {
      assert.equal(e.label, s.label, `${what} [${i}] label`);
      const ep = e.probabilities as Record<string, number>;
      const sp = s.probabilities as Record<string, number>;
      assert.deepEqual(Object.keys(ep), Object.keys(sp), `${what} [${i}] classes`);
      // The server's JSON writes NaN (the imported model's answer to a missing value) as null.
      for (const k of Object.keys(sp)) assert.ok(sp[k] === null ? Number.isNaN(ep[k]) : Math.abs(ep[k] - sp[k]) <= 1e-6, `${what} [${i}] p(${k}) ${ep[k]} vs ${sp[k]}`);
    }
  }
}

const deps = () => ({ db: stack.db, artifacts: stack.artifacts });

test('node bundles answer as the serving API, refuse bad records with its messages, and refuse a tampered file at load', async () => {
  for (const name of MODELS) {
    const dir = join(out, `${name}-node`);
    const r = await exportBundle(deps(), `${name}@champion`, 'node', dir);
    assert.deepEqual((await readdir(dir)).sort(), ['README.md', 'card.html', 'card.json', 'index.js', 'manifest.json', 'model.onnx', 'package.json']);
    assert.equal(r.manifest.sha256, (JSON.parse(await readFile(join(dir, 'card.json'), 'utf8')) as { onnx: { sha256: string } }).onnx.sha256);
    const { load } = (await import(pathToFileURL(join(dir, 'index.js')).href)) as { load: () => Promise<EdgeModel> };
    const model = await load();
    assertSameAnswers(await model.predict(records), served.get(name)!, `${name} node`);
    const bad = await serving.app.inject({ method: 'POST', url: `/v1/models/${name}/predict`, payload: { instances: [{ ...records[0], wind: 'strong' }] } });
    await assert.rejects(model.predict([{ ...records[0], wind: 'strong' }]), { message: (bad.json() as { message: string }).message });
    await model.close();

    const tampered = join(out, `${name}-node-tampered`);
    await cp(dir, tampered, { recursive: true });
    const onnx = await readFile(join(tampered, 'model.onnx'));
    onnx[onnx.length - 1] ^= 1;
    await writeFile(join(tampered, 'model.onnx'), onnx);
    const copy = (await import(pathToFileURL(join(tampered, 'index.js')).href)) as { load: () => Promise<EdgeModel> };
    await assert.rejects(copy.load(), /model\.onnx does not match the bundle's manifest/);
  }
});

test('export refuses bad input clearly and leaves nothing behind', async () => {
  const cases: [string, string, string, RegExp][] = [
    ['nosuch@champion', 'node', 'a', /model "nosuch" is not registered/],
    ['weather@challenger', 'node', 'b', /model "weather" has no challenger \(registered versions: 1\)/],
    ['weather@7', 'node', 'c', /model "weather" has no version 7/],
    ['weather@latest', 'node', 'd', /"latest" in "weather@latest" is neither a version number nor an alias/],
    ['weather', 'node', 'e', /"weather" is not <model>@<version\|alias>/],
    ['weather@1', 'android', 'f', /--target must be browser or node, got "android"/],
    ['weather@1', 'node', 'weather-node', /--out .*weather-node is not empty/],
  ];
  const root = join(out, 'refused');
  await cp(join(out, 'weather-node'), join(root, 'weather-node'), { recursive: true });
  for (const [spec, target, dir, message] of cases) await assert.rejects(exportBundle(deps(), spec, target, join(root, dir)), message);
  const row = (await stack.db.query<BundledVersion>('SELECT name, version, sha256, card FROM model_versions WHERE name = $1', ['weather'])).rows[0];
  await assert.rejects(writeBundle(row, new Uint8Array([1, 2, 3]), 'node', join(root, 'g')), /the stored model of weather v1 hashes to [0-9a-f]{64}, registered as [0-9a-f]{64}: refusing to export it/);
  assert.deepEqual(await readdir(root), ['weather-node'], 'no folder, and no temporary folder, was left');
});

test('browser bundles in Chromium answer as the serving API, fetch only their own folder, and refuse a tampered file', async (t) => {
  const executablePath = findChromium();
  if (!executablePath) return t.skip(`${CHROMIUM_MISSING} (the node bundles were tested)`);
  const web = join(out, 'web');
  for (const name of MODELS) await exportBundle(deps(), `${name}@1`, 'browser', join(web, name));
  await cp(join(web, 'weather'), join(web, 'tampered'), { recursive: true });
  const card = join(web, 'tampered', 'card.json');
  await writeFile(card, (await readFile(card, 'utf8')).replace('"purpose": "serving tests"', '"purpose": "changed"'));
  const files = await serveFolder(web);
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on('request', (r) => void (r.url().startsWith(files.url) || outside.push(r.url())));
    await page.goto(files.url);
    for (const name of MODELS) {
      const answers = await page.evaluate(async ([url, rows]) => {
        const bundle = (await import(url)) as { load: () => Promise<{ predict: (r: unknown[]) => Promise<unknown[]> }> };
        return (await bundle.load()).predict(rows);
      }, [`${files.url}/${name}/index.js`, records] as const);
      assertSameAnswers(answers as EdgePrediction[], served.get(name)!, `${name} browser`);
    }
    const refused = await page.evaluate(async (url) => {
      const bundle = (await import(url)) as { load: () => Promise<unknown> };
      return bundle.load().then(() => 'loaded', (err: Error) => err.message);
    }, `${files.url}/tampered/index.js`);
    assert.match(refused, /^card\.json does not match the bundle's manifest/);
    assert.deepEqual(outside, [], 'nothing fetched from elsewhere');
    assert.ok(files.requested.includes('/weather/ort-wasm-simd-threaded.wasm'), 'the WASM runtime came from the bundle');
  } finally {
    await browser.close();
    await files.close();
  }
});

test('edge monitoring: queued predictions and labels reach the log once, even when a batch is resent after a lost answer; a full queue says so', async () => {
  const address = await serving.app.listen({ port: 0, host: '127.0.0.1' });
  const { load } = (await import(pathToFileURL(join(out, 'weather-node', 'index.js')).href)) as { load: (o: object) => Promise<EdgeModel> };
  let lose = true;
  // The first batch reaches the server, but its answer is lost on the way back.
  const lossy: typeof fetch = async (url, init) => {
    const res = await fetch(url, init);
    if (lose && String(url).endsWith('/log')) {
      lose = false;
      throw new Error('connection reset');
    }
    return res;
  };
  const model = await load({ log: { url: address, batchSize: 50, maxQueued: 100, fetch: lossy } });
  const first = await model.predict(records);
  const second = await model.predict(records);
  assert.equal(model.queued, 2 * records.length);
  await assert.rejects(model.predict(records), /the log queue is full \(84 of 100 instances waiting for http:\/\/127\.0\.0\.1:\d+\): call flush\(\)/);
  model.label(first[0].requestId, 'sun');
  model.label('never-predicted', 'rain');
  await assert.rejects(model.flush(), /could not reach .*\/v1\/models\/weather\/log \(connection reset\); the queue is kept/);
  assert.equal(model.queued, 2 * records.length, 'nothing left the queue');
  assert.deepEqual(await model.flush(), { logged: records.length, duplicates: records.length, labels: 1, unknownLabels: ['never-predicted'] });
  assert.equal(model.queued, 0);
  const ids = [...first, ...second].map((p) => p.requestId);
  const rows = await stack.db.query<{ request_id: string; variant: string; label: string }>(
    'SELECT request_id, variant, label FROM predictions WHERE model_name = $1 AND request_id = ANY($2)', ['weather', ids]);
  assert.equal(rows.rows.length, ids.length, 'every edge prediction logged exactly once');
  assert.ok(rows.rows.every((r) => r.variant === 'champion'));
  const byId = new Map(rows.rows.map((r) => [r.request_id, r.label]));
  first.forEach((p) => assert.equal(byId.get(p.requestId), 'label' in p ? p.label : undefined));
  const label = await stack.db.query<{ label: string }>('SELECT label FROM feedback WHERE request_id = $1', [first[0].requestId]);
  assert.deepEqual(label.rows, [{ label: 'sun' }]);

  const stale = await fetch(`${address}/v1/models/weather/log`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ batchId: crypto.randomUUID(), version: 9, records: [{ requestBase: `${crypto.randomUUID().slice(0, 32)}0000`, at: Date.now(), latencyMs: 1, instances: [records[0]], labels: ['sun'], probabilities: [0.2, 0.2, 0.2, 0.2, 0.2] }] }),
  });
  assert.equal(stale.status, 409);
  const post = (body: object) => fetch(`${address}/v1/models/weather/log`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const record = { requestBase: `${crypto.randomUUID().slice(0, 32)}0000`, at: Date.now(), latencyMs: 1, instances: [records[0]], labels: ['sun'], probabilities: [0.2, 0.2, 0.2, 0.2, 0.2] };
  const malformed = await post({ batchId: crypto.randomUUID(), version: 1, records: [{ ...record, requestBase: 'abc' }] });
  assert.equal(malformed.status, 400);
  assert.equal(((await malformed.json()) as { message: string }).message, 'records[0].requestBase must be a UUID whose last four hex digits are 0000');
  const short = await post({ batchId: crypto.randomUUID(), version: 1, records: [{ ...record, probabilities: [1] }] });
  assert.match(((await short.json()) as { message: string }).message, /^records\[0\]\.probabilities must hold 5 per instance \(5\), in the order drizzle, fog, rain, snow, sun$/);
  const badRow = await post({ batchId: crypto.randomUUID(), version: 1, records: [{ ...record, instances: [{ ...records[0], wind: 'strong' }] }] });
  assert.equal(((await badRow.json()) as { message: string }).message, 'records[0].instances[0].wind must be a number, got "strong"');
  assert.match(((await stale.json()) as { message: string }).message, /version 9 of weather is not served \(champion v1\)/);
  await model.close();
});
