// The prediction log alone: N seattle-weather answers through PredictionLog → COPY, rows/s and bytes per row on disk (table + indexes).
// usage: npx tsx bench/prediction-log.ts [rows=500000]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, migrate } from '../lib/store/db.js';
import { writePredictionBatch, type PredictionLogEntry } from '../lib/store/predictions.js';
import { typedInput } from '../lib/store/predictionRows.js';
import { PredictionLog } from '../serving/predictionLog.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';

const rows = Number(process.argv[2] ?? 500_000);
console.log(`npx tsx bench/prediction-log.ts ${rows}   (4 numeric features, 5 classes, as the demo's model logs them)`);
const layout = { numeric: ['precipitation', 'temp_max', 'temp_min', 'wind'], categorical: [], classes: ['drizzle', 'fog', 'rain', 'snow', 'sun'] };
const stateDir = await mkdtemp(join(tmpdir(), 'mlcycle-bench-'));
const pg = await startEmbeddedPostgres(stateDir, 20_000 + Math.floor(Math.random() * 10_000));
const db = createDb(pg.url);
try {
  await migrate(db);
  const log = new PredictionLog((batch) => writePredictionBatch(db, batch), { capacity: 50_000 });
  const started = performance.now();
  for (let i = 0; i < rows; i += 100) {
    const entries: PredictionLogEntry[] = [];
    for (let k = i; k < Math.min(rows, i + 100); k++) {
      const input = { precipitation: (k % 37) / 10, temp_max: 10 + (k % 23), temp_min: (k % 17) - 3, wind: (k % 71) / 10 };
      entries.push({
        requestId: `3f2c8a1e-7b4d-4c1a-9e55-${String(k).padStart(12, '0')}`, modelName: 'seattle-weather', modelVersion: 1, variant: 'champion',
        at: Date.now(), layout, ...typedInput(layout, input), label: 'sun', prob: [0.01, 0.02, 0.17, 0.003, 0.797], value: null, latencyMs: 1.7,
      });
    }
    await log.add(entries);
  }
  await log.close();
  const seconds = (performance.now() - started) / 1000;
  const size = await db.query<{ bytes: string; n: string }>(
    `SELECT (SELECT SUM(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'predictions'::regclass) AS bytes, (SELECT COUNT(*) FROM predictions) AS n`,
  );
  const { bytes, n } = size.rows[0];
  console.log(`  ${Number(n).toLocaleString('en')} rows written in ${seconds.toFixed(1)} s: ${Math.round(Number(n) / seconds).toLocaleString('en')} rows/s (this process and Postgres on the same cores)`);
  console.log(`  on disk: ${(Number(bytes) / 2 ** 20).toFixed(1)} MiB with indexes, ${(Number(bytes) / Number(n)).toFixed(0)} bytes per row`);
} finally {
  await db.end();
  await pg.stop();
  await rm(stateDir, { recursive: true, force: true });
}
