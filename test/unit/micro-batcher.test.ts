// The micro-batcher: window 0 merges what arrives in one event-loop turn without waiting; a window waits; below 0 never merges.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MicroBatcher } from '../../lib/scoring/microBatcher.js';
import type { BatchOutput } from '../../lib/scoring/microBatcher.js';

/** A fake model run (outside the project's concern: onnxruntime is tested elsewhere): answers each row's x, counts runs. */
function batcher(windowMs: number) {
  const runs: number[] = [];
  const b = new MicroBatcher<string>({ windowMs, maxRows: 100 }, async (_m, rows) => {
    runs.push(rows.length);
    return { task: 'regression', values: Float32Array.from(rows, (r) => Number(r.x)) } as BatchOutput;
  });
  return { b, runs };
}
const values = (o: BatchOutput): number[] => (o.task === 'regression' ? Array.from(o.values) : []);

test('window 0: requests of one event-loop turn share one run, each gets its own rows back', async () => {
  const { b, runs } = batcher(0);
  const [a, c] = await Promise.all([b.submit('m', 'm', [{ x: 1 }, { x: 2 }]), b.submit('m', 'm', [{ x: 3 }])]);
  assert.deepEqual([values(a), values(c)], [[1, 2], [3]]);
  assert.deepEqual(runs, [3]);
  await b.submit('m', 'm', [{ x: 4 }]); // a later turn: a run of its own
  assert.deepEqual(runs, [3, 1]);
});

test('a window merges across turns; below 0 every request runs alone', async () => {
  const w = batcher(20);
  const first = w.b.submit('m', 'm', [{ x: 1 }]);
  await new Promise((r) => setTimeout(r, 2));
  const second = w.b.submit('m', 'm', [{ x: 2 }]);
  assert.deepEqual([values(await first), values(await second)], [[1], [2]]);
  assert.deepEqual(w.runs, [2]);
  const off = batcher(-1);
  await Promise.all([off.b.submit('m', 'm', [{ x: 1 }]), off.b.submit('m', 'm', [{ x: 2 }])]);
  assert.deepEqual(off.runs, [1, 1]);
});
