// The monitor's drift path from stored aggregates as traffic grows (10k … 10M answers, 25 columns): time and peak RSS of a fresh process per size.
// usage: npx tsx bench/monitor-memory.ts [--smoke] [--no-log] [SIZE ...]   (default 10000 100000 1000000 10000000; --smoke: 1000 30000, no timing
// claims; --no-log: the aggregates only, without a prediction log of the same size and the window's bookkeeping on it)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from '../lib/data/table.js';
import { buildDriftProfile, type DriftProfile } from '../lib/stats/driftProfile.js';
import { AggregateBuilder, mergeAggregates, mergeInto, type WindowAggregate } from '../lib/stats/windowAggregate.js';
import { driftFromAggregates } from '../lib/stats/driftSuite.js';
import { createDb, migrate } from '../lib/store/db.js';
import { forEachAggregate, getDriftProfile, insertWindowAggregates, saveDriftProfile } from '../lib/store/windowAggregates.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';
import { bookkeeping, fillLog, type Bookkeeping } from './monitorLog.js';

const NUMERIC = 20;
const CATEGORICAL = 5;
/** One replica writing every 10 s for an hour: the aggregates of a window do not depend on its traffic. */
const FLUSHES = 360;
const CATEGORIES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
/** The columns the window is shifted on (0.3 standard deviations): the drift every size must find. */
const SHIFTED = ['n0', 'n1'];

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}
function columns(n: number, seed: number, shift: number): Record<string, Float64Array | string[]> {
  const rand = random(seed);
  const out: Record<string, Float64Array | string[]> = {};
  for (let j = 0; j < NUMERIC; j++) out[`n${j}`] = Float64Array.from({ length: n }, () => gaussian(rand) + (j < 2 ? shift : 0));
  for (let j = 0; j < CATEGORICAL; j++) out[`c${j}`] = Array.from({ length: n }, () => CATEGORIES[Math.floor(rand() * rand() * CATEGORIES.length)]);
  return out;
}
function table(cols: Record<string, Float64Array | string[]>, rows: number): Table {
  return {
    rows,
    columns: Object.entries(cols).map(([name, values]) => (values instanceof Float64Array ? { name, kind: 'numeric' as const, values } : { name, kind: 'categorical' as const, values })),
  } as Table;
}
const features = { numeric: Array.from({ length: NUMERIC }, (_, j) => `n${j}`), categorical: Array.from({ length: CATEGORICAL }, (_, j) => `c${j}`) };

/** The merged window as canonical text (counts as plain arrays, keys sorted): the parent's and the child's must agree. */
function digest(a: WindowAggregate): string {
  const canon = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v)) return Array.from(v as Float64Array);
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]));
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canon(a))).digest('hex').slice(0, 16);
}

interface Measured { rows: number; seconds: number; maxRssMiB: number; drifted: string[]; digest: string; log: Bookkeeping | null }

/** Child: what the monitor does for a window's drift from aggregates, in a fresh process. */
async function measure(url: string, model: string, withLog: boolean): Promise<void> {
  const db = createDb(url, 2);
  const started = performance.now();
  const profile = (await getDriftProfile<DriftProfile>(db, model, 1))?.profile as DriftProfile;
  let merged: WindowAggregate | null = null;
  const rows = await forEachAggregate<WindowAggregate>(db, model, 1, 0, Number.MAX_SAFE_INTEGER, (a) => {
    merged = merged ? mergeInto(merged, a) : a;
  });
  const suite = driftFromAggregates(profile, merged as unknown as WindowAggregate);
  const seconds = (performance.now() - started) / 1000;
  const log = withLog ? await bookkeeping(db, model) : null;
  await db.end();
  const out: Measured = {
    rows, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, drifted: suite.datasetDrift.driftedFeatures, digest: digest(merged as unknown as WindowAggregate), log,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

function child(url: string, model: string, withLog: boolean): Promise<Measured> {
  return new Promise<Measured>((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', url, model, withLog ? 'log' : 'no-log'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    c.stdout.on('data', (d: Buffer) => (text += d.toString()));
    c.on('close', (code) => (code === 0 ? resolve(JSON.parse(text) as Measured) : reject(new Error(`measuring exited with ${code}`))));
  });
}

function parseArgs(argv: readonly string[]): { smoke: boolean; withLog: boolean; sizes: number[] } {
  const smoke = argv.includes('--smoke');
  const withLog = !argv.includes('--no-log');
  const given = argv.filter((a) => a !== '--smoke' && a !== '--no-log');
  const sizes = given.length > 0 ? given.map(Number) : smoke ? [1_000, 30_000] : [10_000, 100_000, 1_000_000, 10_000_000];
  const bad = given.filter((a) => !/^[1-9]\d*$/.test(a));
  if (bad.length > 0) throw new Error(`sizes must be positive integers (got ${bad.join(', ')}); usage: monitor-memory.ts [--smoke] [--no-log] [SIZE ...]`);
  if (sizes.length < 2) throw new Error('give at least two sizes: the bench compares the smallest with the largest');
  return { smoke, withLog, sizes };
}

async function main(): Promise<void> {
  const { smoke, withLog, sizes } = parseArgs(process.argv.slice(2));
  console.log(`npx tsx bench/monitor-memory.ts ${process.argv.slice(2).join(' ')}   (${NUMERIC} numeric + ${CATEGORICAL} categorical columns, ${FLUSHES} aggregate rows per window)`);
  console.log('peer: none (the goal is flat in traffic: < 1 s per window, peak RSS of the largest within ±20% of the smallest)');
  const stateDir = await mkdtemp(join(tmpdir(), 'mlcycle-bench-'));
  const pg = await startEmbeddedPostgres(stateDir, 20_000 + Math.floor(Math.random() * 10_000));
  const db = createDb(pg.url);
  const results: Measured[] = [];
  const problems: string[] = [];
  try {
    await migrate(db);
    const reference = table(columns(100_000, 1, 0), 100_000);
    const profile = buildDriftProfile(reference, features);
    for (const n of sizes) {
      const model = `bench-${n}`;
      await saveDriftProfile(db, { modelName: model, modelVersion: 1, datasetId: 'synthetic', profile });
      // The log first, then the window's aggregates (as in service: the newest aggregates are the window's).
      const t1 = performance.now();
      const labels = withLog ? await fillLog(db, model, n) : 0;
      if (withLog) process.stdout.write(`  ${n.toLocaleString('en')} answers (10% shadow) and ${labels.toLocaleString('en')} labels written to the prediction log in ${((performance.now() - t1) / 1000).toFixed(1)} s\n`);
      // The replicas' side: every answer counted, one aggregate row per flush (merged here too, to check the monitor's sum).
      const t0 = performance.now();
      const per = Math.ceil(n / FLUSHES);
      let expected: WindowAggregate | null = null;
      for (let f = 0, done = 0; f < FLUSHES && done < n; f++, done += per) {
        const builder = new AggregateBuilder(profile);
        const size = Math.min(per, n - done);
        builder.addColumns(columns(size, 100 + f, 0.3));
        const at = Date.now();
        const snapshot = builder.snapshot();
        expected = expected ? mergeAggregates(expected, snapshot) : snapshot;
        await insertWindowAggregates(db, [{ modelName: model, modelVersion: 1, variant: 'champion', profileVersion: 1, rows: size, aggregate: snapshot, firstAt: at, lastAt: at }]);
      }
      process.stdout.write(`  ${n.toLocaleString('en')} answers counted into aggregates in ${((performance.now() - t0) / 1000).toFixed(1)} s (the replicas' work, spread over the window)\n`);
      const r = await child(pg.url, model, withLog);
      results.push(r);
      const log = r.log ? `; bookkeeping ${r.log.seconds.toFixed(2)} s (${r.log.rows.toLocaleString('en')} answers counted by the ${r.log.countedBy} in ${r.log.countSeconds.toFixed(2)} s, ${r.log.labelled} labelled found in ${r.log.labelSeconds.toFixed(2)} s; the whole-log count it replaces: ${r.log.fullCountSeconds.toFixed(2)} s)` : '';
      console.log(`  window of ${r.rows.toLocaleString('en')} answers: drift from aggregates in ${r.seconds.toFixed(2)} s${log}; peak RSS ${r.maxRssMiB.toFixed(0)} MiB; drifted: ${r.drifted.join(', ')}`);
      if (r.log) {
        const want = r.log.countedBy === 'aggregates' ? n : n - Math.floor(n / 10);
        if (r.log.rows !== want) problems.push(`${n}: the window's answers counted by the ${r.log.countedBy} as ${r.log.rows}, not ${want}`);
        if (r.log.labelled !== labels) problems.push(`${n}: ${r.log.labelled} labelled answers found, not ${labels}`);
      }
      if (r.rows !== n) problems.push(`${n}: the monitor counted ${r.rows} answers`);
      if (r.digest !== digest(expected as unknown as WindowAggregate)) problems.push(`${n}: the monitor's merged aggregate differs from the replicas' sum`);
      const missed = SHIFTED.filter((c) => !r.drifted.includes(c));
      if (missed.length > 0) problems.push(`${n}: the shifted columns ${missed.join(', ')} were not found drifted`);
    }
  } finally {
    await db.end();
    await pg.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
  const [a, b] = [results[0], results[results.length - 1]];
  const [na, nb] = [sizes[0], sizes[sizes.length - 1]].map((x) => x.toLocaleString('en'));
  const [ta, tb] = [a, b].map((r) => r.seconds + (r.log?.seconds ?? 0));
  console.log(`ratio ${nb} vs ${na} answers: window time${withLog ? ' (drift + bookkeeping)' : ''} ${(tb / ta).toFixed(2)}× (${tb.toFixed(2)} vs ${ta.toFixed(2)} s), peak RSS ${((b.maxRssMiB / a.maxRssMiB - 1) * 100).toFixed(0)}% (${b.maxRssMiB.toFixed(0)} vs ${a.maxRssMiB.toFixed(0)} MiB)`);
  if (problems.length > 0) {
    console.error(`FAILED: ${problems.join('; ')}`);
    process.exitCode = 1;
  } else console.log(`checks: every window counted all its answers, merged equal to the replicas' sum, and found ${SHIFTED.join(', ')} drifted${smoke ? ' (smoke: no timing claims)' : ''}`);
}

if (process.argv[2] === '--measure') await measure(process.argv[3], process.argv[4], process.argv[5] === 'log');
else await main();
