// PostgreSQL stopped for 10 s under steady load, then started: every answered prediction is in the table exactly once (the chaos suite's scenario 3 holds it away 20 s on the cluster).
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ArtifactStore } from '../../lib/store/artifacts.js';
import { createDb, migrate, type Db } from '../../lib/store/db.js';
import { deployVersion } from '../../lib/store/models.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../../stack/postgres.js';
import { freePort } from '../harness.js';
import { registerModelBytes, TINY_A, tinyCard } from './harness.js';

let dir = '';
let port = 0;
let pg: RunningPostgres;
let db: Db;
let serving: ServingApp;
/** A replica whose spill is bound to a few KB: past it, requests are refused. */
let tight: ServingApp;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-spill-'));
  await chmod(dir, 0o755);
  port = await freePort();
  pg = await startEmbeddedPostgres(join(dir, 'state'), port);
  db = createDb(pg.url);
  await migrate(db);
  const artifacts = new ArtifactStore(join(dir, 'artifacts'));
  const v1 = await registerModelBytes({ db, artifacts }, 'tiny', await readFile(TINY_A), 'run-1', tinyCard);
  await deployVersion(db, 'tiny', v1.version, 0, 'first');
  serving = await buildServingApp({
    db, artifacts, logger: false,
    predictionLog: { capacity: 200, batchSize: 100, intervalMs: 50, spillPath: join(dir, 'spill', 'predictions.jsonl'), onError: () => undefined },
  });
  tight = await buildServingApp({
    db, artifacts, logger: false,
    predictionLog: { capacity: 100, batchSize: 50, intervalMs: 50, spillPath: join(dir, 'spill', 'tight.jsonl'), maxSpillBytes: 8192, onError: () => undefined },
  });
});
after(async () => {
  await serving?.close();
  await tight?.close();
  await db?.end();
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('PostgreSQL away for 10 s under steady load: answers go on, spill, replay; each answered prediction is stored once', async () => {
  const answered: string[] = [];
  const statuses = new Map<number, number>();
  let spilledMax = 0;
  let stop = false;
  let k = 0;
  const load = (async () => {
    while (!stop) {
      const requestIds = Array.from({ length: 5 }, (_, i) => `load-${k}-${i}`);
      k++;
      const res = await serving.app.inject({
        method: 'POST', url: '/v1/models/tiny/predict',
        payload: { instances: requestIds.map((_, i) => ({ x1: i - 2, color: 'red' })), requestIds },
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode === 200) answered.push(...requestIds);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const health = async () => (await serving.app.inject({ method: 'GET', url: '/healthz' })).json() as { predictionLog: { spillBytes: number; postgresAway: boolean; pending: number } };

  await sleep(2000);
  await pg.stop();
  const downFrom = answered.length;
  // The tight replica, meanwhile: answers until its spill's bound, then refuses with a 503 that says when to retry.
  const tightAnswered: string[] = [];
  let refused: { statusCode: number; headers: Record<string, unknown>; body: string } | null = null;
  for (let k = 0; k < 400 && !refused; k++) {
    const requestIds = Array.from({ length: 5 }, (_, i) => `tight-${k}-${i}`);
    const res = await tight.app.inject({ method: 'POST', url: '/v1/models/tiny/predict', payload: { instances: requestIds.map((_, i) => ({ x1: i, color: 'red' })), requestIds } });
    if (res.statusCode === 200) tightAnswered.push(...requestIds);
    else refused = res;
    await sleep(5);
  }
  for (let t = 0; t < 10; t++) {
    await sleep(1000);
    spilledMax = Math.max(spilledMax, (await health()).predictionLog.spillBytes);
  }
  const duringDown = answered.length - downFrom;
  pg = await startEmbeddedPostgres(join(dir, 'state'), port);
  await sleep(3000);
  stop = true;
  await load;

  // Everything reaches the table: the buffer, then the replayed spill.
  for (let t = 0; t < 60; t++) {
    const h = (await health()).predictionLog;
    if (h.pending === 0 && h.spillBytes === 0 && !h.postgresAway) break;
    await sleep(500);
  }
  assert.ok(duringDown > 500, `requests were answered while PostgreSQL was away (${duringDown})`);
  assert.ok(spilledMax > 0, 'the buffer spilled to the file');
  assert.deepEqual([...statuses.keys()], [200], `every request answered: ${JSON.stringify([...statuses])}`);
  const stored = await db.query<{ n: number; distinct: number; twice: number }>(
    `SELECT COUNT(*)::int AS n, COUNT(DISTINCT request_id)::int AS distinct,
            (SELECT COUNT(*)::int FROM (SELECT request_id FROM predictions GROUP BY request_id HAVING COUNT(*) > 1) d) AS twice
       FROM predictions WHERE request_id = ANY($1::text[])`,
    [answered],
  );
  assert.deepEqual(stored.rows[0], { n: answered.length, distinct: answered.length, twice: 0 });

  assert.ok(refused, `the tight replica refused nothing after ${tightAnswered.length} answers`);
  assert.equal(refused.statusCode, 503, refused.body);
  assert.equal(refused.headers['retry-after'], '5');
  assert.match(JSON.parse(refused.body).message, /spill is full/);
  assert.ok(tightAnswered.length > 0, 'it answered until the bound');
  for (let t = 0; t < 60; t++) {
    const h = ((await tight.app.inject({ method: 'GET', url: '/healthz' })).json() as { predictionLog: { spillBytes: number; pending: number } }).predictionLog;
    if (h.spillBytes === 0 && h.pending === 0) break;
    await sleep(500);
  }
  const tightStored = await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM predictions WHERE request_id LIKE 'tight-%'`);
  assert.equal(tightStored.rows[0].n, tightAnswered.length, 'what it answered is stored once, what it refused is not');
});
