// The prediction log alone: N seattle-weather answers through PredictionLog → binary COPY, at 1/10/100/1,000 instances per request:
// instances/s, CPU µs per instance here and in PostgreSQL, and bytes per instance on disk (table + indexes).
// usage: npx tsx bench/prediction-log.ts [instances=500000] [--per 1,10,100,1000] [--smoke]
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, migrate } from '../lib/store/db.js';
import { writePredictionBatch } from '../lib/store/predictions.js';
import { appendInput, newRequestBase, type PredictionRecord } from '../lib/store/predictionRows.js';
import { PredictionLog } from '../serving/predictionLog.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';
import { treeCpuSeconds } from './treeCpu.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const perIdx = args.indexOf('--per');
const total = smoke ? 5_000 : Number(args.find((a) => /^\d+$/.test(a)) ?? 500_000);
const sizes = (perIdx >= 0 ? args[perIdx + 1] : '1,10,100,1000').split(',').map(Number);
console.log(`npx tsx bench/prediction-log.ts ${args.join(' ')}   (4 numeric features, 5 classes, as the demo's model logs them; ${total.toLocaleString('en')} instances per size)`);
const layout = { numeric: ['precipitation', 'temp_max', 'temp_min', 'wind'], categorical: [], classes: ['drizzle', 'fog', 'rain', 'snow', 'sun'] };

function record(from: number, n: number): PredictionRecord {
  const num: (number | null)[] = [];
  const cat: (string | null)[] = [];
  const label: string[] = [];
  const prob: number[] = [];
  for (let k = from; k < from + n; k++) {
    appendInput(layout, { precipitation: (k % 37) / 10, temp_max: 10 + (k % 23), temp_min: (k % 17) - 3, wind: (k % 71) / 10 }, num, cat);
    label.push('sun');
    prob.push(0.01, 0.02, 0.17, 0.003, 0.797);
  }
  return {
    requestBase: newRequestBase(randomUUID()), requestIds: null, idx: null, modelName: 'seattle-weather', modelVersion: 1, variant: 'champion',
    at: Date.now(), layout, n, num, cat, extra: null, label, prob, value: null, units: null, latencyMs: 1.7,
  };
}

const stateDir = await mkdtemp(join(tmpdir(), 'mlcycle-bench-'));
const pg = await startEmbeddedPostgres(stateDir, 20_000 + Math.floor(Math.random() * 10_000));
const db = createDb(pg.url);
try {
  await migrate(db);
  for (const per of sizes) {
    await db.query('TRUNCATE prediction_requests, prediction_batches');
    const log = new PredictionLog((batch) => writePredictionBatch(db, batch), { capacity: 50_000 });
    const cpu0 = treeCpuSeconds(process.pid);
    const started = performance.now();
    for (let i = 0; i < total; i += per) await log.add([record(i, Math.min(per, total - i))]);
    await log.close();
    const seconds = (performance.now() - started) / 1000;
    const cpu1 = treeCpuSeconds(process.pid);
    const size = await db.query<{ bytes: string; n: string }>(
      `SELECT (SELECT SUM(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'prediction_requests'::regclass) AS bytes,
              (SELECT COUNT(*) FROM predictions) AS n`,
    );
    const n = Number(size.rows[0].n);
    if (n !== total) throw new Error(`${per}/request: ${n} instances in the log, ${total} written`);
    const us = (s: number): string => ((s * 1e6) / n).toFixed(2);
    console.log(`  ${String(per).padStart(5)} per request: ${Math.round(n / seconds).toLocaleString('en')} instances/s; CPU per instance ${us(cpu1.own - cpu0.own)} µs here, ` +
      `${us(cpu1.children - cpu0.children)} µs in PostgreSQL; ${(Number(size.rows[0].bytes) / n).toFixed(0)} bytes per instance on disk (indexes included)`);
  }
} finally {
  await db.end();
  await pg.stop();
  await rm(stateDir, { recursive: true, force: true });
}
