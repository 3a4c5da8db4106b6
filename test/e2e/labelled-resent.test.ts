// A client's retry (a request id answered twice, labelled once) counts once in quality windows and retraining data.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { answersLabelledSince, countLabelsSince, selectLabelled } from '../../lib/store/labelled.js';
import { insertFeedback, writePredictionBatch } from '../../lib/store/predictions.js';
import { recordOfEntry, type LegacyEntry } from '../../lib/store/predictionRows.js';
import { startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ worker: false });
});
after(async () => {
  await stack?.teardown();
});

const layout = { numeric: ['x'], categorical: [], classes: ['no', 'yes'] };
const answer = (i: number, variant: LegacyEntry['variant'], at: number): LegacyEntry => ({
  requestId: `r${i}`, modelName: 'resent', modelVersion: 1, variant, unit: `u${i % 3}`, at, layout, num: [i], cat: [], extra: null,
  label: i % 2 ? 'yes' : 'no', prob: [0.4, 0.6], value: null, latencyMs: 1,
});

test('a request id answered twice and labelled once is one labelled answer (per variant) everywhere labels are counted', async () => {
  const t0 = Date.now() - 60_000;
  const ids = Array.from({ length: 10 }, (_, i) => i);
  await writePredictionBatch(stack.db, { batchId: randomUUID(), records: [...ids.map((i) => answer(i, 'champion', t0 + i)), ...ids.slice(0, 5).map((i) => answer(i, 'shadow', t0 + i))].map(recordOfEntry) });
  // The client retries every request: the same ids answered again, later.
  await writePredictionBatch(stack.db, { batchId: randomUUID(), records: ids.map((i) => answer(i, 'champion', t0 + 1000 + i)).map(recordOfEntry) });
  const fed = await insertFeedback(stack.db, ids.map((i) => ({ requestId: `r${i}`, label: 'yes' })));
  assert.equal(fed.stored, 10);

  const { rows } = await answersLabelledSince(stack.db, 'resent', null);
  assert.equal(rows.filter((r) => r.variant === 'champion').length, 10, 'quality window: one champion answer per labelled id');
  assert.equal(rows.filter((r) => r.variant === 'shadow').length, 5, 'quality window: one shadow answer per shadowed id');
  assert.equal(rows.filter((r) => r.variant === 'champion' && r.predicted === r.label).length, 5);

  assert.equal(await countLabelsSince(stack.db, 'resent', null), 10, 'new labels for the retrain trigger');
  const max = await stack.db.query<{ id: string }>("SELECT MAX(id) AS id FROM predictions WHERE model_name = 'resent'");
  const selected = await selectLabelled(stack.db, 'resent', { fromPredictionId: 0, upToPredictionId: Number(max.rows[0].id), labelsUpTo: null, maxRows: null }, true);
  assert.equal(selected.length, 10, 'retraining data: one row per labelled id');
  assert.deepEqual(selected.map((r) => r.input.x).sort((a, b) => Number(a) - Number(b)), ids);
});
