// Tests for preprocessing: standardization and one-hot as before, the optional unknown bucket, and ordinal codes for trees.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  categoricalBlocks, featureDim, featureNames, fitOrdinal, fitPreprocessor, ordinalFeatureNames, transform, transformOrdinal,
} from '../../lib/train/preprocess.js';
import type { Table } from '../../lib/data/table.js';

const train: Table = {
  rows: 5,
  columns: [
    { name: 'size', kind: 'numeric', values: Float64Array.from([1, 2, NaN, 4, 5]) },
    { name: 'colour', kind: 'categorical', values: ['red', 'blue', null, 'red', ''] },
    { name: 'shape', kind: 'categorical', values: ['sq', 'sq', 'tri', 'circ', 'tri'] },
    { name: 'code', kind: 'numeric', values: Float64Array.from([10, 9, 10, NaN, 9]) },
  ],
};
const test_: Table = {
  rows: 4,
  columns: [
    { name: 'size', kind: 'numeric', values: Float64Array.from([3, NaN, 0, 7]) },
    { name: 'colour', kind: 'categorical', values: ['blue', 'green', null, ''] },
    { name: 'shape', kind: 'categorical', values: ['tri', 'sq', 'hex', null] },
    { name: 'code', kind: 'numeric', values: Float64Array.from([9, 10, 11, NaN]) },
  ],
};
const spec = { numeric: ['size'], categorical: ['colour', 'shape'] };

const rowsOf = (x: Float64Array, dim: number): number[][] =>
  Array.from({ length: x.length / dim }, (_, i) => Array.from(x.subarray(i * dim, (i + 1) * dim)));

test('default one-hot is unchanged: no unknown key, unseen and missing → all zeros', () => {
  const pre = fitPreprocessor(train, spec);
  assert.deepEqual(Object.keys(pre), ['numeric', 'categorical']);
  assert.deepEqual(pre.categorical, [{ name: 'colour', categories: ['blue', 'red'] }, { name: 'shape', categories: ['circ', 'sq', 'tri'] }]);
  assert.equal(featureDim(pre), 6);
  assert.deepEqual(featureNames(pre), ['size', 'colour=blue', 'colour=red', 'shape=circ', 'shape=sq', 'shape=tri']);
  const { x, dim } = transform(pre, test_);
  const std = pre.numeric[0].std;
  assert.deepEqual(rowsOf(x, dim), [
    [0, 1, 0, 0, 0, 1],
    [0, 0, 0, 0, 1, 0],
    [-3 / std, 0, 0, 0, 0, 0],
    [4 / std, 0, 0, 0, 0, 0],
  ]);
  assert.deepEqual(categoricalBlocks(pre).map((b) => [b.offset, b.unknown]), [[1, -1], [3, -1]]);
});

test('unknown bucket: a last column per block, 1 for unseen, null and ""; known values as before', () => {
  const pre = fitPreprocessor(train, spec, { unknownBucket: true });
  assert.equal(pre.unknownBucket, true);
  assert.equal(featureDim(pre), 8);
  assert.deepEqual(featureNames(pre), [
    'size', 'colour=blue', 'colour=red', 'colour=<unknown>', 'shape=circ', 'shape=sq', 'shape=tri', 'shape=<unknown>',
  ]);
  assert.deepEqual(categoricalBlocks(pre).map((b) => [b.offset, b.unknown]), [[1, 3], [4, 7]]);
  const { x, dim } = transform(pre, test_);
  const std = pre.numeric[0].std;
  assert.deepEqual(rowsOf(x, dim), [
    [0, 1, 0, 0, 0, 0, 1, 0],
    [0, 0, 0, 1, 0, 1, 0, 0],
    [-3 / std, 0, 0, 1, 0, 0, 0, 1],
    [4 / std, 0, 0, 1, 0, 0, 0, 1],
  ]);
  // Each block (categories + unknown) sums to exactly 1: unknown = 1 − sum(one-hot block), as an exporter builds it.
  for (const row of rowsOf(x, dim)) {
    for (const b of categoricalBlocks(pre)) {
      const block = row.slice(b.offset, b.offset + b.categories.length);
      assert.equal(row[b.unknown], 1 - block.reduce((s, v) => s + v, 0));
    }
  }
  // On the training rows, the missing colours (null, "") land in the unknown column too.
  const trained = rowsOf(transform(pre, train).x, dim);
  assert.deepEqual(trained.map((r) => r[3]), [0, 0, 1, 0, 1]);
  // The state stays plain JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(pre)), pre);
});

test('ordinal codes: sorted categories, unseen/missing → NaN, numeric raw with NaN kept, column-major', () => {
  const enc = fitOrdinal(train, { numeric: ['size', 'code'], categorical: ['colour', 'shape'] });
  assert.deepEqual(enc, {
    numeric: ['size', 'code'],
    categorical: [{ name: 'colour', categories: ['blue', 'red'] }, { name: 'shape', categories: ['circ', 'sq', 'tri'] }],
  });
  assert.deepEqual(ordinalFeatureNames(enc), ['size', 'code', 'colour', 'shape']);
  const { x, rows, dim } = transformOrdinal(enc, test_);
  assert.equal(rows, 4);
  assert.equal(dim, 4);
  const col = (j: number): number[] => Array.from(x.subarray(j * rows, (j + 1) * rows));
  assert.deepEqual(col(0), [3, NaN, 0, 7]);
  assert.deepEqual(col(1), [9, 10, 11, NaN]);
  assert.deepEqual(col(2), [0, NaN, NaN, NaN]);
  assert.deepEqual(col(3), [2, 1, NaN, NaN]);
});

test('ordinal: numbers in a categorical feature are strings sorted by code unit; a text column can feed a numeric one', () => {
  const t: Table = {
    rows: 4,
    columns: [
      { name: 'n', kind: 'numeric', values: Float64Array.from([10, 9, 2, NaN]) },
      { name: 's', kind: 'categorical', values: ['1.5', ' ', 'x', null] },
    ],
  };
  const enc = fitOrdinal(t, { numeric: ['s'], categorical: ['n'] });
  assert.deepEqual(enc.categorical[0].categories, ['10', '2', '9']);
  const { x } = transformOrdinal(enc, t);
  assert.deepEqual(Array.from(x), [1.5, NaN, NaN, NaN, 0, 2, 1, NaN]);
});

test('ordinal on zero rows and bad column names', () => {
  const enc = fitOrdinal(train, spec);
  const empty: Table = { rows: 0, columns: train.columns.map((c) => (c.kind === 'categorical' ? { ...c, values: [] } : { ...c, values: new Float64Array(0) })) };
  assert.deepEqual(transformOrdinal(enc, empty), { x: new Float64Array(0), rows: 0, dim: 3 });
  assert.throws(() => fitOrdinal(train, { numeric: ['nope'], categorical: [] }), /column "nope" not found/);
  assert.throws(() => transformOrdinal({ numeric: [], categorical: [{ name: 'gone', categories: [] }] }, train), /column "gone" not found/);
});
