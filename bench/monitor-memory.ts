// The monitor's drift path from aggregates as traffic grows: a window of 10k vs 10M answers (25 columns), peak RSS and time of a fresh process each.
// usage: npx tsx bench/monitor-memory.ts [small=10000] [large=10000000]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from '../lib/data/table.js';
import { buildDriftProfile, type DriftProfile } from '../lib/stats/driftProfile.js';
import { AggregateBuilder, mergeInto, type WindowAggregate } from '../lib/stats/windowAggregate.js';
import { driftFromAggregates } from '../lib/stats/driftSuite.js';
import { createDb, migrate } from '../lib/store/db.js';
import { forEachAggregate, getDriftProfile, insertWindowAggregates, saveDriftProfile } from '../lib/store/windowAggregates.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';

const NUMERIC = 20;
const CATEGORICAL = 5;
/** One replica writing every 10 s for an hour: the aggregates of a window do not depend on its traffic. */
const FLUSHES = 360;
const CATEGORIES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

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

/** Child: what the monitor does for a window's drift from aggregates, in a fresh process. */
async function measure(url: string, model: string): Promise<void> {
  const db = createDb(url, 2);
  const started = performance.now();
  const profile = (await getDriftProfile<DriftProfile>(db, model, 1))?.profile as DriftProfile;
  let merged: WindowAggregate | null = null;
  const rows = await forEachAggregate<WindowAggregate>(db, model, 1, 0, Number.MAX_SAFE_INTEGER, (a) => {
    merged = merged ? mergeInto(merged, a) : a;
  });
  const suite = driftFromAggregates(profile, merged as unknown as WindowAggregate);
  const seconds = (performance.now() - started) / 1000;
  await db.end();
  process.stdout.write(JSON.stringify({ rows, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, drifted: suite.datasetDrift.driftedFeatures }) + '\n');
}

async function main(): Promise<void> {
  const sizes = [Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 10_000_000)];
  console.log(`npx tsx bench/monitor-memory.ts ${sizes.join(' ')}   (${NUMERIC} numeric + ${CATEGORICAL} categorical columns, ${FLUSHES} aggregate rows per window)`);
  const stateDir = await mkdtemp(join(tmpdir(), 'mlcycle-bench-'));
  const pg = await startEmbeddedPostgres(stateDir, 20_000 + Math.floor(Math.random() * 10_000));
  const db = createDb(pg.url);
  try {
    await migrate(db);
    const reference = table(columns(100_000, 1, 0), 100_000);
    const profile = buildDriftProfile(reference, features);
    for (const n of sizes) {
      const model = `bench-${n}`;
      await saveDriftProfile(db, { modelName: model, modelVersion: 1, datasetId: 'synthetic', profile });
      // The replicas' side: every answer counted, one aggregate row per flush.
      const t0 = performance.now();
      const per = Math.ceil(n / FLUSHES);
      for (let f = 0, done = 0; f < FLUSHES && done < n; f++, done += per) {
        const builder = new AggregateBuilder(profile);
        const size = Math.min(per, n - done);
        builder.addColumns(columns(size, 100 + f, 0.3));
        const at = Date.now();
        await insertWindowAggregates(db, [{ modelName: model, modelVersion: 1, variant: 'champion', profileVersion: 1, rows: size, aggregate: builder.snapshot(), firstAt: at, lastAt: at }]);
      }
      process.stdout.write(`  ${n.toLocaleString('en')} answers counted into aggregates in ${((performance.now() - t0) / 1000).toFixed(1)} s (the replicas' work, spread over the window)\n`);
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', pg.url, model], { stdio: ['ignore', 'pipe', 'inherit'] });
        let text = '';
        child.stdout.on('data', (d: Buffer) => (text += d.toString()));
        child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`measuring exited with ${code}`))));
      });
      const r = JSON.parse(out) as { rows: number; seconds: number; maxRssMiB: number; drifted: string[] };
      console.log(`  window of ${r.rows.toLocaleString('en')} answers: drift from aggregates in ${r.seconds.toFixed(2)} s, peak RSS ${r.maxRssMiB.toFixed(0)} MiB; drifted: ${r.drifted.join(', ')}`);
    }
  } finally {
    await db.end();
    await pg.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--measure') await measure(process.argv[3], process.argv[4]);
else await main();
