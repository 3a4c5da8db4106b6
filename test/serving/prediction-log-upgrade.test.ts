// Upgrading a log of per-instance rows (migrations ≤ 015) to request rows (016): every answer kept with its id, request id,
// input and output; new answers get larger ids; labels, counts and erasure find old and new answers alike.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { createDb, migrate, type Db } from '../../lib/store/db.js';
import { countLogged } from '../../lib/store/labelled.js';
import { insertFeedback, lastPredictionId, writePredictionBatch } from '../../lib/store/predictions.js';
import { instanceId, newRequestBase, type PredictionRecord } from '../../lib/store/predictionRows.js';
import { startTestStack, type TestStack } from './harness.js';

const MIGRATIONS = fileURLToPath(new URL('../../lib/store/migrations/', import.meta.url));
let stack: TestStack;
let db: Db;
before(async () => {
  stack = await startTestStack();
  // A database of its own, migrated only up to the per-instance log (as a deployment made before 016 has it).
  await stack.db.query('CREATE DATABASE upgrade_test');
  const url = new URL((stack.db.options as { connectionString: string }).connectionString);
  url.pathname = '/upgrade_test';
  db = createDb(url.toString());
  await db.query('CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  for (const file of (await readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql') && f < '016').sort()) {
    await db.query(await readFile(MIGRATIONS + file, 'utf8'));
    await db.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
  }
});
after(async () => {
  await db?.end();
  await stack?.stop();
});

const INPUT = "mlcycle_prediction_input(l.numeric, p.num, l.categorical, p.cat, p.extra)";

test('old rows keep their ids and contents through migration 016, and new answers come after them', async () => {
  await db.query(`INSERT INTO prediction_layouts VALUES ('m', 1, '{x}', '{c}', '{no,yes}'), ('r', 1, '{a}', '{}', '{}')`);
  await db.query("SELECT mlcycle_prediction_partition('2026-01-02'), mlcycle_prediction_partition((now() AT TIME ZONE 'UTC')::date)");
  await db.query(
    `INSERT INTO predictions (id, created_at, request_id, model_name, model_version, variant, num, cat, extra, label, prob, value, latency_ms, unit_id) VALUES
       (7, '2026-01-02T10:00:00Z', 'old-a', 'm', 1, 'champion', '{1.5}', '{red}', NULL, 'yes', '{0.25,0.75}', NULL, 2, 'u1'),
       (9, '2026-01-02T10:00:01Z', 'old-b', 'm', 1, 'shadow', '{NULL}', '{blue}', '{"note": "kept"}', 'no', '{0.6,0.4}', NULL, 3, NULL),
       (12, now(), 'old-r', 'r', 1, 'champion', '{-2}', NULL, NULL, NULL, NULL, 41.5, 1, NULL)`,
  );
  const before = await db.query(`SELECT p.id, p.request_id, p.variant, ${INPUT} AS input, p.label, p.prob, p.value, p.unit_id, p.created_at
                                    FROM predictions p JOIN prediction_layouts l USING (model_name, model_version) ORDER BY p.id`);
  // 016 first (later migrations come after it).
  assert.equal((await migrate(db))[0], '016_prediction_requests.sql');
  const afterRows = await db.query(`SELECT p.id, p.request_id, p.variant, ${INPUT} AS input, p.label, p.prob, p.value, p.unit_id, p.created_at
                                       FROM predictions p JOIN prediction_layouts l USING (model_name, model_version) ORDER BY p.id`);
  assert.deepEqual(afterRows.rows, before.rows, 'every old answer reads back the same through the view');
  const parts = await db.query<{ part: string }>(`SELECT DISTINCT tableoid::regclass::text AS part FROM predictions ORDER BY 1`);
  assert.equal(parts.rows[0].part, 'predictions_20260102', 'partitions keep their day names');

  // A new request of 3 instances, server-made ids, its middle one answered by the challenger.
  const base = newRequestBase(randomUUID());
  const rec = (variant: 'champion' | 'challenger', idx: number[]): PredictionRecord => ({
    requestBase: base, requestIds: null, idx, modelName: 'm', modelVersion: 1, variant, at: Date.now(), layout: { numeric: ['x'], categorical: ['c'], classes: ['no', 'yes'] },
    n: idx.length, num: idx.map((i) => i * 10), cat: idx.map(() => 'green'), extra: null, label: idx.map(() => 'no'), prob: idx.flatMap(() => [0.9, 0.1]),
    value: null, units: idx.map((i) => `unit-${i}`), latencyMs: 1,
  });
  await writePredictionBatch(db, { batchId: randomUUID(), records: [rec('champion', [0, 2]), rec('challenger', [1])] });
  const fresh = await db.query<{ id: number; request_id: string; variant: string; input: unknown; unit_id: string }>(
    `SELECT p.id, p.request_id, p.variant, ${INPUT} AS input, p.unit_id FROM predictions p JOIN prediction_layouts l USING (model_name, model_version)
      WHERE p.id > 12 ORDER BY p.request_id`,
  );
  assert.deepEqual(fresh.rows.map((r) => [r.request_id, r.variant, r.input, r.unit_id]), [
    [instanceId(base, 0), 'champion', { x: 0, c: 'green' }, 'unit-0'],
    [instanceId(base, 1), 'challenger', { x: 10, c: 'green' }, 'unit-1'],
    [instanceId(base, 2), 'champion', { x: 20, c: 'green' }, 'unit-2'],
  ]);
  assert.ok(fresh.rows.every((r) => r.id > 12), 'new ids come after the old ones');
  const last = await lastPredictionId(db, 'm');
  assert.equal(last, Math.max(...fresh.rows.map((r) => r.id)));
  assert.equal(await countLogged(db, 'm', 0, last), 4, 'old champion + 3 new (the shadow answer left out)');
  assert.equal(await countLogged(db, 'm', 0, last, 2), 2, 'a bounded count stops at its bound');

  // Labels find old and new answers by request id; an unknown id is named.
  const fed = await insertFeedback(db, [{ requestId: 'old-a', label: 'yes' }, { requestId: instanceId(base, 1), label: 'no' }, { requestId: instanceId(base, 7), label: 'no' }]);
  assert.deepEqual(fed, { stored: 2, unknown: [instanceId(base, 7)], invalid: [] });
  const regression = await insertFeedback(db, [{ requestId: 'old-r', label: 'not a number' }]);
  assert.equal(regression.invalid.length, 1, 'an old regression answer still takes only numeric labels');
});

test('erasing one instance of a request clears its values and hides it; the others stay', async () => {
  const base = newRequestBase(randomUUID());
  const n = 3;
  await writePredictionBatch(db, {
    batchId: randomUUID(),
    records: [{
      requestBase: base, requestIds: null, idx: null, modelName: 'm', modelVersion: 1, variant: 'champion', at: Date.now(),
      layout: { numeric: ['x'], categorical: ['c'], classes: ['no', 'yes'] }, n, num: [1, 2, 3], cat: ['a', 'secret', 'b'],
      extra: [null, { email: 'x@y' }, null], label: ['no', 'yes', 'no'], prob: [0.9, 0.1, 0.2, 0.8, 0.7, 0.3], value: null,
      units: ['u-a', 'u-secret', 'u-b'], latencyMs: 1,
    }],
  });
  const row = await db.query<{ first_id: number }>('SELECT first_id FROM prediction_requests WHERE request_base = $1', [base]);
  assert.equal((await db.query('SELECT mlcycle_erase_instances($1, $2)', [row.rows[0].first_id, [1]])).rowCount, 1);
  const left = await db.query<{ request_id: string }>("SELECT request_id FROM predictions WHERE request_id LIKE $1 ORDER BY request_id", [`${base.slice(0, 32)}%`]);
  assert.deepEqual(left.rows.map((r) => r.request_id), [instanceId(base, 0), instanceId(base, 2)]);
  const raw = await db.query<{ cat: (string | null)[]; units: (string | null)[]; extra: unknown }>('SELECT cat, unit_ids AS units, extra FROM prediction_requests WHERE request_base = $1', [base]);
  assert.deepEqual(raw.rows[0], { cat: ['a', null, 'b'], units: ['u-a', null, 'u-b'], extra: [null, null, null] }, 'the erased values are gone from the row itself');
  await db.query('SELECT mlcycle_erase_instances($1, $2)', [row.rows[0].first_id, [0, 2]]);
  assert.equal((await db.query('SELECT 1 FROM prediction_requests WHERE request_base = $1', [base])).rowCount, 0, 'a row with nothing left is deleted');
});
