// Bench: one search (GBDT + logreg trials, 5-fold CV) through the training pool on 1 thread vs every core, and event-loop delay vs the main thread.
// Run: npx tsx bench/search-parallel.ts [--rows 40000] [--threads N] [--trials 12] [--repeat 1]   (--repeat R: fastest of R runs each)
// Data: flights-200k.arrow (vega-datasets), a seeded sample of --rows rows; target "late" (delay > 15), features distance and time.
// Every trial runs as runTrial would: holdoutSplit, then crossValidate; the three runs must give identical results.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { createTrainingPool, type CrossValidateRequest, type CrossValidateResult } from '../activities/trainingPool.js';
import { decodeSnapshot, encodeSnapshot } from '../lib/data/snapshot.js';
import { readArrowFile } from '../lib/data/sources/arrow.js';
import { numericColumn, takeRows, type Table } from '../lib/data/table.js';
import { ArtifactStore } from '../lib/store/artifacts.js';
import { mulberry32 } from '../lib/train/cv.js';
import { crossValidate, holdoutSplit } from '../lib/train/evaluate.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const ROWS = Number(arg('--rows') ?? 40_000);
const THREADS = Number(arg('--threads') ?? availableParallelism());
const TRIALS = Number(arg('--trials') ?? 12);
const REPEAT = Math.max(1, Number(arg('--repeat') ?? 1));
const SEED = 17;
const FLIGHTS = fileURLToPath(new URL('../node_modules/vega-datasets/data/flights-200k.arrow', import.meta.url));

/** A seeded sample of flights with a categorical target: late (delay > 15 minutes) or not. */
async function flights(): Promise<Table> {
  const all = await readArrowFile(FLIGHTS, 'flights-200k.arrow');
  const rand = mulberry32(SEED);
  const picked = Array.from({ length: all.rows }, (_, i) => i).filter(() => rand() < ROWS / all.rows);
  const sample = takeRows(all, picked);
  const late = Array.from(numericColumn(sample, 'delay').values, (d) => (d > 15 ? 'late' : 'on time'));
  return { rows: sample.rows, columns: [...sample.columns.filter((c) => c.name !== 'delay'), { name: 'late', kind: 'categorical', values: late }] };
}

/** 2/3 GBDT (rounds × learning rate × leaves), 1/3 logistic regression (L2), as a grid search would plan them. */
function trials(root: string, uri: string): { id: string; request: CrossValidateRequest }[] {
  const features = { numeric: ['distance', 'time'], categorical: [] };
  const base = { artifactsRoot: root, snapshotUri: uri, holdoutFraction: 0.2, seed: SEED, metric: 'logLoss' as const, folds: 5, budget: 1 };
  const out: { id: string; request: CrossValidateRequest }[] = [];
  const nGbdt = Math.round((TRIALS * 2) / 3);
  for (let i = 0; i < TRIALS; i++) {
    const gbdt = i < nGbdt;
    const params: Record<string, number> = gbdt
      ? { nEstimators: [60, 120][i % 2], learningRate: [0.05, 0.2][(i >> 1) % 2], maxLeaves: [15, 31][(i >> 2) % 2], minSamplesLeaf: 20, subsample: 0.8 }
      : { l2: 10 ** (-3 + (i - nGbdt)) };
    const id = gbdt ? `gbdt ${JSON.stringify(params)}` : `logreg l2=${params.l2}`;
    out.push({ id, request: { ...base, spec: { task: 'classification', target: 'late', features, algorithm: gbdt ? 'gbdt' : 'logreg', params, seed: SEED } } });
  }
  return out;
}

interface Run {
  label: string;
  results: CrossValidateResult[];
  wallMs: number;
  sumMs: number;
  /** CPU time of the whole process (every thread) during the run. */
  cpuMs: number;
  maxDelayMs: number;
  p99DelayMs: number;
}

/** Times a run and the event loop's delay meanwhile (sampled every 10 ms). */
async function measured(label: string, fn: () => Promise<CrossValidateResult[]>): Promise<Run> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const results = await fn();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  delay.disable();
  const sumMs = results.reduce((s, r) => s + r.ms, 0);
  const cpuMs = (used.user + used.system) / 1000;
  return { label, results, wallMs, sumMs, cpuMs, maxDelayMs: delay.max / 1e6, p99DelayMs: delay.percentile(99) / 1e6 };
}

async function throughPool(threads: number, list: { request: CrossValidateRequest }[]): Promise<Run> {
  const pool = createTrainingPool({ threads });
  await pool.warmUp();
  let messages = 0;
  try {
    // As the optimize workflow fans out trials: every trial is started at once; the pool queues them per thread.
    const run = await measured(`pool, ${threads} thread${threads > 1 ? 's' : ''}`, () =>
      Promise.all(list.map((t) => pool.crossValidateTrial(t.request, { onProgress: () => void messages++ }))),
    );
    return { ...run, label: `${run.label} (${messages} progress messages)` };
  } finally {
    await pool.close();
  }
}

/** The same trials as runTrial runs them today: on the main thread, one after another (a turn of the loop between). */
async function onMainThread(store: ArtifactStore, list: { request: CrossValidateRequest }[]): Promise<Run> {
  const cache = new Map<string, Table>();
  return measured('main thread (today)', async () => {
    const out: CrossValidateResult[] = [];
    for (const { request: r } of list) {
      await new Promise((resolve) => setImmediate(resolve));
      const started = performance.now();
      const all = cache.get(r.snapshotUri) ?? decodeSnapshot(await store.get(r.snapshotUri), r.snapshotUri);
      cache.set(r.snapshotUri, all);
      const { train } = holdoutSplit(all, r.spec.target, r.holdoutFraction, r.seed, r.spec.task);
      const cv = crossValidate(train, { ...r.spec, onProgress: () => undefined }, r.metric, r.folds, r.seed);
      out.push({ mean: cv.mean, std: cv.std, folds: cv.folds, rows: train.rows, ms: performance.now() - started });
    }
    return out;
  });
}

const same = (a: CrossValidateResult[], b: CrossValidateResult[]): boolean =>
  isDeepStrictEqual(a.map(({ ms: _ms, ...r }) => r), b.map(({ ms: _ms, ...r }) => r));

const dir = mkdtempSync(join(tmpdir(), 'mlcycle-bench-'));
try {
  const table = await flights();
  const store = new ArtifactStore(dir);
  const { uri } = await store.put(encodeSnapshot(table));
  const list = trials(dir, uri);
  console.log(`flights-200k sample: ${table.rows} rows; ${list.length} trials × 5-fold CV; machine parallelism ${availableParallelism()}; pool threads ${THREADS}\n`);
  const load = loadavg()[0];
  const fastest = async (run: () => Promise<Run>): Promise<Run> => {
    let best = await run();
    for (let i = 1; i < REPEAT; i++) best = [best, await run()].sort((a, b) => a.wallMs - b.wallMs)[0];
    return best;
  };
  const one = await fastest(() => throughPool(1, list));
  const many = await fastest(() => throughPool(THREADS, list));
  const main = await fastest(() => onMainThread(store, list));
  const f = (ms: number): string => `${(ms / 1000).toFixed(2)} s`.padStart(9);
  console.log(`${'run'.padEnd(46)}${'Σ trials'.padStart(9)}${'wall'.padStart(9)}${'Σ/wall'.padStart(8)}${'vs 1 thr'.padStart(9)}${'cpu/wall'.padStart(9)}${'loop max'.padStart(10)}${'loop p99'.padStart(10)}`);
  for (const r of [one, many, main]) {
    const ms = (v: number): string => `${v.toFixed(0)} ms`.padStart(10);
    const ratio = (v: number, w: number): string => (v / w).toFixed(2).padStart(8);
    console.log(`${r.label.padEnd(46)}${f(r.sumMs)}${f(r.wallMs)}${ratio(r.sumMs, r.wallMs)}${ratio(one.wallMs, r.wallMs)} ${ratio(r.cpuMs, r.wallMs)}${ms(r.maxDelayMs)}${ms(r.p99DelayMs)}`);
  }
  const slowest = list.map((t, i) => ({ id: t.id, ms: one.results[i].ms })).sort((a, b) => b.ms - a.ms);
  console.log(`\ntrial time on 1 thread: ${f(slowest.at(-1)!.ms).trim()} (${slowest.at(-1)!.id}) … ${f(slowest[0].ms).trim()} (${slowest[0].id})`);
  console.log(`load average (1 min) before / after: ${load.toFixed(2)} / ${loadavg()[0].toFixed(2)} (other processes on the machine slow the parallel run)`);
  const identical = same(one.results, many.results) && same(one.results, main.results);
  console.log(`results identical (1 thread = ${THREADS} threads = main thread): ${identical ? 'yes' : 'NO'}`);
  if (!identical) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
