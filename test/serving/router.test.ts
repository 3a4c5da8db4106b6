// Tests for A/B routing: stable buckets, weights respected, edges (0 and 1), keys that differ by one character.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKETS, bucketOf, chooseVariant, fnv1a32 } from '../../serving/router.js';

test('fnv1a32 matches the reference values', () => {
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
});

test('the same key always gets the same bucket and variant', () => {
  for (let i = 0; i < 500; i++) {
    const key = `user-${i}`;
    const b = bucketOf(key);
    assert.ok(Number.isInteger(b) && b >= 0 && b < BUCKETS);
    assert.equal(bucketOf(key), b);
    assert.equal(chooseVariant(key, 0.3), chooseVariant(key, 0.3));
  }
});

test('the challenger gets about its weight of traffic, also for sequential keys', () => {
  const n = 20_000;
  for (const weight of [0.05, 0.5, 0.9]) {
    let challenger = 0;
    for (let i = 0; i < n; i++) if (chooseVariant(`req-${i}`, weight) === 'challenger') challenger++;
    assert.ok(Math.abs(challenger / n - weight) < 0.02, `weight ${weight}: got ${challenger / n}`);
  }
});

test('weight 0 sends everything to the champion, weight 1 everything to the challenger', () => {
  for (let i = 0; i < 1000; i++) {
    assert.equal(chooseVariant(`k${i}`, 0), 'champion');
    assert.equal(chooseVariant(`k${i}`, 1), 'challenger');
  }
  assert.equal(chooseVariant('x', Number.NaN), 'champion');
});

test('raising the weight only moves units from champion to challenger', () => {
  for (let i = 0; i < 2000; i++) {
    const key = `unit-${i}`;
    if (chooseVariant(key, 0.1) === 'challenger') assert.equal(chooseVariant(key, 0.4), 'challenger');
  }
});
