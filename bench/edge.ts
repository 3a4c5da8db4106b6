// Edge bundles' size, load time and predictions/s: Chromium (onnxruntime-web, WASM, 1 thread) vs onnxruntime-node, at a few batch sizes.
// Usage: npx tsx bench/edge.ts [--seconds 1]
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { sha256Hex } from '../lib/store/artifacts.js';
import { writeBundle, type BundledVersion, type ExportResult } from '../edge/export/exportBundle.js';
import type { EdgeTarget } from '../edge/export/buildIndex.js';
import type { EdgeModel } from '../edge/runtime/bundleModel.js';
import { CHROMIUM_MISSING, findChromium } from '../test/chromium.js';
import { serveFolder } from '../test/staticServer.js';
import { tinyCard } from '../test/serving/harness.js';
import { edgeModels, edgeRecords } from '../test/serving/edgeFixture.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '1' } } });
const SECONDS = Number(args.seconds);
const BATCHES = [1, 100, 1000];

interface Figures {
  loadMs: number;
  /** Predictions per second by batch size. */
  rate: Record<number, number>;
}

/** Runs in Node and, serialised, in the page: import the bundle, time load(), then predict batches for `seconds` each. */
async function measure(url: string, rows: Record<string, unknown>[], batches: number[], seconds: number): Promise<Figures> {
  const t0 = performance.now();
  const bundle = (await import(url)) as { load: () => Promise<EdgeModel> };
  const model = await bundle.load();
  const loadMs = performance.now() - t0;
  const rate: Record<number, number> = {};
  for (const size of batches) {
    const batch = Array.from({ length: size }, (_, i) => rows[i % rows.length]);
    // A warm-up (JIT, the runtime's buffers), then three rounds: the best one, the least disturbed by other jobs on the machine.
    for (const warm = performance.now(); performance.now() - warm < 200; ) await model.predict(batch);
    rate[size] = 0;
    for (let round = 0; round < 3; round++) {
      let done = 0;
      const start = performance.now();
      while (performance.now() - start < (seconds * 1000) / 3) {
        await model.predict(batch);
        done += size;
      }
      rate[size] = Math.max(rate[size], done / ((performance.now() - start) / 1000));
    }
  }
  await model.close();
  return { loadMs, rate };
}

const root = await mkdtemp(join(tmpdir(), 'mlcycle-edge-bench-'));
await symlink(join(process.cwd(), 'node_modules'), join(root, 'node_modules'));
const rows = await edgeRecords(1000);
const models = await edgeModels();
const bundles = new Map<string, ExportResult>();
for (const { name, bytes, signature, algorithm } of models) {
  const sha256 = sha256Hex(bytes);
  const row: BundledVersion = { name, version: 1, sha256, card: { ...tinyCard(name, sha256, bytes.length), algorithm, signature } };
  for (const target of ['node', 'browser'] as EdgeTarget[]) bundles.set(`${name}/${target}`, await writeBundle(row, bytes, target, join(root, `${name}-${target}`)));
}

const chromiumPath = findChromium();
const results: { name: string; runtime: string; bundle: ExportResult; figures: Figures }[] = [];
for (const { name } of models) {
  const node = bundles.get(`${name}/node`)!;
  results.push({ name, runtime: 'onnxruntime-node', bundle: node, figures: await measure(pathToFileURL(join(node.dir, 'index.js')).href, rows, BATCHES, SECONDS) });
}
if (chromiumPath) {
  const files = await serveFolder(root);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  try {
    for (const { name } of models) {
      const page = await browser.newPage(); // a fresh page: nothing cached from the previous model
      await page.goto(files.url);
      const measureText = measure.toString();
      const figures = await page.evaluate(async ([fn, url, r, b, s]) => {
        const run = new Function(`return (${fn})`)() as typeof measure;
        return run(url, r, b, s);
      }, [measureText, `${files.url}/${name}-browser/index.js`, rows, BATCHES, SECONDS] as const);
      results.push({ name, runtime: 'Chromium (onnxruntime-web WASM, 1 thread)', bundle: bundles.get(`${name}/browser`)!, figures });
      await page.close();
    }
  } finally {
    await browser.close();
    await files.close();
  }
} else console.log(`browser part skipped: ${CHROMIUM_MISSING}`);

const mb = (n: number): string => `${(n / 1e6).toFixed(2)} MB`;
console.log(`\nedge bundles (${rows.length} seattle-weather records cycled; per batch size 200 ms of warm-up, then the best of 3 rounds in ${SECONDS} s)\n`);
console.log(`| model | runtime | bundle (model.onnx) | load | ${BATCHES.map((b) => `batch ${b} pred/s`).join(' | ')} |`);
console.log(`|---|---|---|---|${BATCHES.map(() => '---').join('|')}|`);
for (const r of results) {
  const model = r.bundle.manifest.files['model.onnx'].bytes;
  const rates = BATCHES.map((b) => Math.round(r.figures.rate[b]).toLocaleString('en-US'));
  console.log(`| ${r.name} | ${r.runtime} | ${mb(r.bundle.bytes)} (${(model / 1e3).toFixed(1)} kB) | ${r.figures.loadMs.toFixed(0)} ms | ${rates.join(' | ')} |`);
}
await rm(root, { recursive: true, force: true });
