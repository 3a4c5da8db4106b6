// Tests for the prediction log against a real Postgres: batches, timed flushes, backpressure without loss, retries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '../../lib/store/db.js';
import { randomUUID } from 'node:crypto';
import { insertPredictions, type PredictionLogEntry } from '../../lib/store/predictions.js';
import { PredictionLog } from '../../serving/predictionLog.js';
import { startTestStack, waitFor, type TestStack } from './harness.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(() => stack?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function entries(prefix: string, n: number): PredictionLogEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    logId: randomUUID(),
    requestId: `${prefix}-${i}`,
    modelName: 'm',
    modelVersion: 1,
    variant: 'champion' as const,
    input: { x1: i, color: 'red' },
    output: { label: 'yes', probabilities: { no: 0.25, yes: 0.75 } },
    latencyMs: 1.5,
  }));
}

async function countLike(prefix: string): Promise<number> {
  const res = await stack.db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM predictions WHERE request_id LIKE $1`, [`${prefix}-%`]);
  return res.rows[0].n;
}

/** The real database, with a delay (and optional failures) before each statement; counts statements. */
function wrapped(delayMs: number, failFirst = 0): Queryable & { statements: number } {
  let failures = failFirst;
  const wrapper = {
    statements: 0,
    query: async (text: string, values?: unknown[]) => {
      await sleep(delayMs);
      if (failures > 0) {
        failures--;
        throw new Error('connection refused (simulated)');
      }
      wrapper.statements++;
      return stack.db.query(text, values);
    },
  };
  return wrapper as unknown as Queryable & { statements: number };
}

test('flush() writes everything in statements of batchSize rows', async () => {
  const db = wrapped(0);
  const log = new PredictionLog(db, { batchSize: 500, intervalMs: 10_000 });
  await log.add(entries('batch', 1200));
  await log.flush();
  assert.equal(await countLike('batch'), 1200);
  assert.equal(db.statements, 3);
  assert.equal(log.pending, 0);
  await log.close();
});

test('a few entries are written by the timer without anyone flushing', async () => {
  const log = new PredictionLog(stack.db, { intervalMs: 50 });
  await log.add(entries('timer', 3));
  assert.ok(await waitFor(async () => (await countLike('timer')) === 3, 2000));
  await log.close();
});

test('when the buffer is full, producers wait for a flush, and nothing is lost', async () => {
  const db = wrapped(150);
  const log = new PredictionLog(db, { capacity: 10, batchSize: 10, intervalMs: 10_000 });
  await log.add(entries('full-a', 10)); // fills the buffer and starts a (slow) flush
  const started = Date.now();
  await log.add(entries('full-b', 5)); // must wait for room
  assert.ok(Date.now() - started >= 100, `add returned after ${Date.now() - started} ms, before the flush finished`);
  await log.close();
  assert.equal(await countLike('full-a'), 10);
  assert.equal(await countLike('full-b'), 5);
});

test('a failed write keeps the entries and retries them; close() writes what is left', async () => {
  const errors: unknown[] = [];
  const db = wrapped(0, 1);
  const log = new PredictionLog(db, { batchSize: 5, intervalMs: 20, onError: (err) => errors.push(err) });
  await log.add(entries('retry', 5));
  assert.ok(await waitFor(async () => errors.length === 1, 2000), 'the failure was reported');
  assert.equal(log.pending, 5);
  await log.close();
  assert.equal(await countLike('retry'), 5);
  await assert.rejects(log.add(entries('late', 1)), /closed/);
});

test('a retried write stores each logged answer once; a request id sent again is a new answer, logged too', async () => {
  const batch = entries('retried', 3);
  await insertPredictions(stack.db, batch);
  await insertPredictions(stack.db, batch); // the same entries again: a write retried after an unclear failure
  assert.equal(await countLike('retried'), 3);
  const again = entries('retried', 3); // the client sent the same request ids again: new answers
  await insertPredictions(stack.db, again);
  assert.equal(await countLike('retried'), 6);
});
