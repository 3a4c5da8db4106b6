// The worker-kill scenario's parts: per-run data and definitions (user steps, parallel branches), an effects receiver, and the store's audit.
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { PipelineInput } from '../../lib/config/pipeline.js';
import { s3LocationFromEnv } from '../../lib/store/artifactsEnv.js';
import { S3Blobs } from '../../lib/store/s3Blobs.js';
import type { Db } from '../../lib/store/db.js';
import type { Chaos } from './seed.js';

const MODULE = join(import.meta.dirname, 'fixtures/lifecycle-steps.ts');
const WEATHER = join(PROJECT_ROOT, 'examples/seattle-weather/train-2012-2013.csv');

/** Run i's own data: the weather table without a seeded 5% of its days (so every run has its own snapshots). */
export async function writeRunData(dir: string, runs: number, chaos: Chaos): Promise<string[]> {
  const [header, ...rows] = (await readFile(WEATHER, 'utf8')).trim().split('\n');
  const files: string[] = [];
  for (let i = 0; i < runs; i++) {
    const kept = rows.filter(() => chaos.next() >= 0.05);
    const file = join(dir, `weather-${i}.csv`);
    await writeFile(file, `${header}\n${kept.join('\n')}\n`);
    files.push(file);
  }
  return files;
}

/** A lifecycle with user steps before and beside validation (two parallel branches) and an effect after deploy. */
export function chaosPipeline(name: string, data: string, effectUrl: string, pauseMs: number): PipelineInput {
  return {
    name, data: { path: data }, target: 'weather',
    features: { numeric: ['precipitation', 'temp_max', 'temp_min', 'wind', 'temp_range', 'month'], categorical: [] },
    validation: { expectations: [{ expect: 'notNull', column: 'temp_range' }, { expect: 'range', column: 'month', min: 1, max: 12 }] },
    search: { folds: 3, seed: 7, maxParallelTrials: 2, space: { logreg: { l2: [0.01, 0.1] }, gbdt: { nEstimators: [30], learningRate: [0.1], maxLeaves: [7] } } },
    gate: { metric: 'accuracy', minimum: 0.5, minImprovement: 0.01 },
    rollout: { stages: [{ name: 'shadow', traffic: 1, minSamples: 100, maxDurationSeconds: 3600 }], intervalSeconds: 60, minEffect: 0.03 },
    modules: [MODULE],
    steps: [
      { id: 'ingest', uses: 'ingest' },
      { id: 'prepare', uses: 'chaos-features', needs: ['ingest'], with: { pauseMs } },
      { id: 'validate', uses: 'validate', needs: ['prepare'] },
      { id: 'rules', uses: 'chaos-rule', needs: ['prepare'], with: { pauseMs } },
      { id: 'optimize', uses: 'optimize', needs: ['validate', 'rules'] },
      { id: 'package', uses: 'package', needs: ['optimize'] },
      { id: 'rollout', uses: 'rollout', needs: ['package'] },
      { id: 'effect', uses: 'chaos-effect', needs: ['rollout'], with: { url: effectUrl } },
    ],
  } as PipelineInput;
}

/** A service that receives the effects: every delivery counted, one effect kept per idempotency key. */
export async function startEffectsReceiver(): Promise<{ url: string; deliveries: Map<string, number>; close(): Promise<void> }> {
  const deliveries = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const key = String(req.headers['idempotency-key'] ?? '');
    req.resume();
    req.on('end', () => {
      if (key) deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
      res.writeHead(key ? 200 : 400).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/effects`, deliveries, close: () => new Promise((r) => server.close(() => r())) };
}

/** Objects in the bucket that no row of any table names (an artifact written by an attempt whose record never landed). */
export async function orphanedObjects(db: Db, env: Record<string, string>): Promise<{ objects: number; orphans: string[] }> {
  const location = s3LocationFromEnv(env);
  if (!location) throw new Error('the cluster has no S3 store');
  const blobs = new S3Blobs(location);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await blobs.client.send(new ListObjectsV2Command({ Bucket: location.bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.NextContinuationToken;
  } while (token);
  const tables = await db.query<{ t: string }>("SELECT quote_ident(table_name) AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
  let text = '';
  for (const { t } of tables.rows) text += (await db.query<{ s: string | null }>(`SELECT string_agg(x::text, ' ') AS s FROM ${t} x`)).rows[0].s ?? '';
  return { objects: keys.length, orphans: keys.filter((k) => !text.includes(k.split('/').at(-1) ?? k)) };
}
