// Tests for the prediction log against a real Postgres: typed columns by COPY, batches written once, day partitions, retention, backpressure, retries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePredictionBatch, type PredictionBatch } from '../../lib/store/predictions.js';
import { recordOfEntry, type LegacyEntry } from '../../lib/store/predictionRows.js';
import { dropExpiredPartitions } from '../../lib/store/predictionPartitions.js';
import { PredictionLog, type BatchWriter } from '../../serving/predictionLog.js';
import { startTestStack, waitFor, type TestStack } from './harness.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LAYOUT = { numeric: ['x1'], categorical: ['color'], classes: ['no', 'yes'] };

function entries(prefix: string, n: number, at = Date.now()): LegacyEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    requestId: `${prefix}-${i}`,
    modelName: 'm',
    modelVersion: 1,
    variant: 'champion' as const,
    at,
    layout: LAYOUT,
    num: [i],
    cat: ['red'],
    extra: null,
    label: 'yes',
    prob: [0.25, 0.75],
    value: null,
    latencyMs: 1.5,
  }));
}

async function countLike(prefix: string): Promise<number> {
  const res = await stack.db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM predictions WHERE request_id LIKE $1`, [`${prefix}-%`]);
  return res.rows[0].n;
}

/** The real writer, with a delay (and optional failures) before each batch; counts the batches written. */
function wrapped(delayMs: number, failFirst = 0): BatchWriter & { batches: number } {
  let failures = failFirst;
  const writer = Object.assign(
    async (batch: PredictionBatch) => {
      await sleep(delayMs);
      if (failures > 0) {
        failures--;
        throw new Error('connection refused (simulated)');
      }
      writer.batches++;
      return writePredictionBatch(stack.db, batch);
    },
    { batches: 0 },
  );
  return writer;
}
const direct: BatchWriter = (batch) => writePredictionBatch(stack.db, batch);

test('flush() writes everything in batches of at most maxBatchSize rows', async () => {
  const db = wrapped(0);
  const log = new PredictionLog(db, { batchSize: 100, maxBatchSize: 500, intervalMs: 10_000 });
  await log.add(entries('batch', 1200).map(recordOfEntry));
  await log.flush();
  assert.equal(await countLike('batch'), 1200);
  assert.equal(db.batches, 3);
  assert.equal(log.pending, 0);
  await log.close();
});

test('a few entries are written by the timer without anyone flushing', async () => {
  const log = new PredictionLog(direct, { intervalMs: 50 });
  await log.add(entries('timer', 3).map(recordOfEntry));
  assert.ok(await waitFor(async () => (await countLike('timer')) === 3, 2000));
  await log.close();
});

test('when the buffer is full, producers wait for a flush, and nothing is lost', async () => {
  const db = wrapped(150);
  const log = new PredictionLog(db, { capacity: 10, batchSize: 10, intervalMs: 10_000 });
  await log.add(entries('full-a', 10).map(recordOfEntry)); // fills the buffer and starts a (slow) flush
  const started = Date.now();
  await log.add(entries('full-b', 5).map(recordOfEntry)); // must wait for room
  assert.ok(Date.now() - started >= 100, `add returned after ${Date.now() - started} ms, before the flush finished`);
  await log.close();
  assert.equal(await countLike('full-a'), 10);
  assert.equal(await countLike('full-b'), 5);
});

test('a failed write keeps the entries and retries them; close() writes what is left', async () => {
  const errors: unknown[] = [];
  const db = wrapped(0, 1);
  const log = new PredictionLog(db, { batchSize: 5, intervalMs: 20, onError: (err) => errors.push(err) });
  await log.add(entries('retry', 5).map(recordOfEntry));
  assert.ok(await waitFor(async () => errors.length === 1, 2000), 'the failure was reported');
  assert.equal(log.pending, 5);
  await log.close();
  assert.equal(await countLike('retry'), 5);
  await assert.rejects(log.add(entries('late', 1).map(recordOfEntry)), /closed/);
});

test('while PostgreSQL is away, what is held goes to the spill within an interval (not when the buffer is full), and is replayed once', async () => {
  let down = true;
  const writer: BatchWriter = async (batch) => {
    if (down) throw new Error('connect ECONNREFUSED (simulated)');
    return writePredictionBatch(stack.db, batch);
  };
  const spillPath = join(stack.dir, `away-${randomUUID()}.jsonl`);
  const log = new PredictionLog(writer, { capacity: 10_000, batchSize: 500, intervalMs: 50, spillPath, onError: () => undefined });
  await log.open();
  try {
    await log.add(entries('away', 20).map(recordOfEntry));
    // A crash now would lose only what is still in memory: it must reach the file soon, though the buffer is far from full.
    assert.ok(await waitFor(async () => log.state.spillBytes > 0 && log.pending === 0, 2000), `still held in memory: ${JSON.stringify(log.state)}`);
    const spilled = await readFile(spillPath, 'utf8');
    for (const i of [0, 19]) assert.ok(spilled.includes(`away-${i}`), `away-${i} is in the spill file`);
    down = false;
    assert.ok(await waitFor(async () => log.state.spillBytes === 0 && !log.state.postgresAway, 3000), 'the spill was replayed');
  } finally {
    down = false;
    await log.close();
  }
  assert.equal(await countLike('away'), 20);
});

test('a batch written again under its id (a retry after an unclear failure) is stored once; a request id sent again is a new answer', async () => {
  const batch = { batchId: randomUUID(), records: entries('retried', 3).map(recordOfEntry) };
  assert.equal(await writePredictionBatch(stack.db, batch), true);
  assert.equal(await writePredictionBatch(stack.db, batch), false);
  assert.equal(await countLike('retried'), 3);
  await writePredictionBatch(stack.db, { batchId: randomUUID(), records: entries('retried', 3).map(recordOfEntry) }); // the same request ids: new answers
  assert.equal(await countLike('retried'), 6);
});

test('typed columns hold features, outputs and whatever else the client sent, and give the input back as JSON', async () => {
  const odd = 'tab\there, "quoted", back\\slash, {brace}, new\nline';
  const e: LegacyEntry = {
    ...entries('typed', 1)[0],
    num: [null],
    cat: [odd],
    extra: { note: 'kept', x2: 3.5 },
  };
  const r: LegacyEntry = { ...entries('typed-r', 1)[0], layout: { numeric: ['a', 'b'], categorical: [], classes: [] }, modelName: 'r', num: [1e-300, -2.5], cat: [], label: null, prob: null, value: 42.125 };
  await writePredictionBatch(stack.db, { batchId: randomUUID(), records: [e, r].map(recordOfEntry) });
  const rows = await stack.db.query<{ request_id: string; input: Record<string, unknown>; label: string | null; prob: number[] | null; value: number | null }>(
    `SELECT p.request_id, mlcycle_prediction_input(l.numeric, p.num, l.categorical, p.cat, p.extra) AS input, p.label, p.prob, p.value
       FROM predictions p JOIN prediction_layouts l USING (model_name, model_version) WHERE p.request_id LIKE 'typed%' ORDER BY p.request_id`,
  );
  assert.deepEqual(rows.rows[0], { request_id: 'typed-0', input: { x1: null, color: odd, note: 'kept', x2: 3.5 }, label: 'yes', prob: [0.25, 0.75], value: null });
  assert.deepEqual(rows.rows[1], { request_id: 'typed-r-0', input: { a: 1e-300, b: -2.5 }, label: null, prob: null, value: 42.125 });
});

test('rows go to their UTC day partition, made on demand; retention drops whole days past it', async () => {
  const day = 86_400_000;
  const old = Date.UTC(2020, 0, 15, 23, 59, 59);
  await writePredictionBatch(stack.db, { batchId: randomUUID(), records: [...entries('old', 2, old), ...entries('older', 1, old - 3 * day)].map(recordOfEntry) });
  const parts = await stack.db.query<{ part: string; n: number }>(
    `SELECT tableoid::regclass::text AS part, COUNT(*)::int AS n FROM predictions WHERE request_id LIKE 'old%' GROUP BY 1 ORDER BY 1`,
  );
  assert.deepEqual(parts.rows, [{ part: 'predictions_20200112', n: 1 }, { part: 'predictions_20200115', n: 2 }]);
  const today = await countLike('retried');
  const dropped = await dropExpiredPartitions(stack.db, 30);
  assert.deepEqual(dropped.dropped, ['predictions_20200112', 'predictions_20200115']);
  assert.equal(await countLike('old'), 0);
  assert.equal(await countLike('retried'), today, 'rows within the retention are kept');
  // A late write for a dropped day makes its partition again instead of failing.
  await writePredictionBatch(stack.db, { batchId: randomUUID(), records: entries('late-old', 1, old).map(recordOfEntry) });
  assert.equal(await countLike('late-old'), 1);
  await assert.rejects(dropExpiredPartitions(stack.db, 0), /positive number of days/);
});
