// Tests for the seeded PRNG, stratified k-fold and stratified train/test split.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, stratifiedKFold, trainTestSplit } from '../../lib/train/cv.js';

/** 100 rows: 50 of class 0, 30 of class 1, 20 of class 2, interleaved. */
const labels = Int32Array.from({ length: 100 }, (_, i) => (i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2));

function countByClass(indices: Int32Array): number[] {
  const counts = [0, 0, 0];
  for (const i of indices) counts[labels[i]]++;
  return counts;
}

test('mulberry32 is deterministic, seed-dependent and in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c()));
  assert.ok(xs.every((v) => v >= 0 && v < 1));
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test('stratified k-fold: test folds partition the rows, train is the complement, classes balanced', () => {
  const folds = stratifiedKFold(labels, 5, 1);
  assert.equal(folds.length, 5);
  const seen = new Uint8Array(labels.length);
  for (const { train, test: held } of folds) {
    assert.equal(train.length + held.length, labels.length);
    const inTest = new Set(held);
    for (const i of train) assert.ok(!inTest.has(i));
    for (let i = 1; i < held.length; i++) assert.ok(held[i] > held[i - 1], 'test indices ascending');
    for (let i = 1; i < train.length; i++) assert.ok(train[i] > train[i - 1], 'train indices ascending');
    for (const i of held) seen[i]++;
    assert.deepEqual(countByClass(held), [10, 6, 4]);
  }
  assert.ok(seen.every((v) => v === 1), 'each row in exactly one test fold');
});

test('stratified k-fold: fold sizes differ by at most one when classes do not divide evenly', () => {
  const odd = Int32Array.from({ length: 23 }, (_, i) => (i < 11 ? 0 : i < 18 ? 1 : 2));
  const sizes = stratifiedKFold(odd, 4, 3).map((f) => f.test.length);
  assert.equal(sizes.reduce((s, v) => s + v, 0), 23);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
});

test('stratified k-fold: same seed → same folds, different seed → different folds', () => {
  const a = stratifiedKFold(labels, 4, 7);
  const b = stratifiedKFold(labels, 4, 7);
  const c = stratifiedKFold(labels, 4, 8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.map((f) => Array.from(f.test)), c.map((f) => Array.from(f.test)));
  assert.throws(() => stratifiedKFold(labels, 1, 0));
  assert.throws(() => stratifiedKFold(Int32Array.of(0, 1), 3, 0));
});

test('train/test split: stratified, exact size, deterministic, disjoint and covering', () => {
  const s = trainTestSplit(labels, 0.2, 5);
  assert.equal(s.test.length, 20);
  assert.equal(s.train.length, 80);
  assert.deepEqual(countByClass(s.test), [10, 6, 4]);
  const all = [...s.train, ...s.test].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(trainTestSplit(labels, 0.2, 5), s);
  assert.notDeepEqual(Array.from(trainTestSplit(labels, 0.2, 6).test), Array.from(s.test));
  // Uneven proportions: 0.25 of 100 = 25 rows, shared 12.5 / 7.5 / 5 by largest remainder.
  const q = trainTestSplit(labels, 0.25, 5);
  assert.equal(q.test.length, 25);
  const counts = countByClass(q.test);
  assert.equal(counts[2], 5);
  assert.ok(Math.abs(counts[0] - 12.5) <= 0.5 && Math.abs(counts[1] - 7.5) <= 0.5, `counts ${counts}`);
  assert.throws(() => trainTestSplit(labels, 1, 0));
});
