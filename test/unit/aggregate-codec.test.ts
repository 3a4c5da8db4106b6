// The stored form of window aggregates: counts round-trip exactly in every shape, older stored forms still read, damage is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packAggregate, unpackAggregate } from '../../lib/store/aggregateCodec.js';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const roundTrip = (x: unknown): unknown => unpackAggregate(JSON.parse(JSON.stringify(packAggregate(x))));

test('count arrays of every shape come back equal: dense, sparse, zero runs at either end, huge counts', () => {
  const rand = random(7);
  const shapes: number[][] = [
    Array.from({ length: 2001 }, () => Math.floor(rand() * 40)),
    Array.from({ length: 2001 }, () => (rand() < 0.01 ? 1 + Math.floor(rand() * 5) : 0)),
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 3],
    [5, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0],
    new Array<number>(5000).fill(0),
    [2 ** 31 - 1, 2 ** 31, 2 ** 40 + 3, 2 ** 52, 0, 1, 127, 128, 16_383, 16_384],
  ];
  for (const counts of shapes) assert.deepEqual(roundTrip({ counts, missing: 3, belowSum: -1.5 }), { counts, missing: 3, belowSum: -1.5 });
});

test('dense counts are stored in fewer characters than JSON numbers (one jsonb string, not thousands of numerics)', () => {
  const rand = random(3);
  const counts = Array.from({ length: 2001 }, (_, i) => (i % 2 === 0 ? 0 : 20 + Math.floor(rand() * 20)));
  const packed = JSON.stringify(packAggregate({ counts }));
  assert.ok(packed.length * 1.5 < JSON.stringify({ counts }).length, `packed ${packed.length} characters`);
});

test('what is not an array of whole non-negative counts stays as it was', () => {
  const value = { fractions: Array.from({ length: 20 }, (_, i) => i / 3), negative: [1, 2, 3, 4, 5, 6, 7, -8], short: [1, 2, 3], names: ['a', 'b'], newCategories: { $v: 4, b: 2 } };
  assert.deepEqual(packAggregate(value), value);
  assert.deepEqual(roundTrip(value), value);
});

test('aggregates stored before the varint form (plain arrays, $sparse) still read', () => {
  const sparse = { $sparse: 70, i: [0, 69], v: [4, 9] };
  const want = new Array<number>(70).fill(0);
  want[0] = 4;
  want[69] = 9;
  assert.deepEqual(unpackAggregate({ numeric: { x: { counts: sparse } }, categorical: { c: { counts: [1, 2] } } }), { numeric: { x: { counts: want } }, categorical: { c: { counts: [1, 2] } } });
});

test('a damaged stored array is refused with what is wrong, never read as other counts', () => {
  const packed = packAggregate(Array.from({ length: 100 }, (_, i) => i * 1000)) as { $v: number; b: string };
  const bytes = Buffer.from(packed.b, 'base64');
  assert.throws(() => unpackAggregate({ ...packed, b: bytes.subarray(0, bytes.length - 1).toString('base64') }), /truncated count array/);
  assert.throws(() => unpackAggregate({ ...packed, $v: 99 }), /holds 100 entries, not 99/);
});
