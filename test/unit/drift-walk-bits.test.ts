// The exact merge walk gives, bit for bit, what its earlier branching form gave (kept here as the reference) on every kind of sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortedFinite } from '../../lib/stats/radixSort.js';
import { ksAndWasserstein } from '../../lib/stats/exactWalk.js';
import { ksTwoSample } from '../../lib/stats/ks.js';

/** The walk as it was before it lost its branches: value by value, taking the next value from the side that has it. */
function previousWalk(x: Float64Array, y: Float64Array): { ksStatistic: number; wasserstein: number } {
  const nx = x.length;
  const ny = y.length;
  let i = 0;
  let j = 0;
  let fx = 0;
  let fy = 0;
  let gap = 0;
  let d = 0;
  let area = 0;
  let v = x[0] <= y[0] ? x[0] : y[0];
  while (i < nx && j < ny) {
    const a = x[i];
    const b = y[j];
    const next = a <= b ? a : b;
    area += gap * (next - v);
    if (next !== v && gap > d) d = gap;
    v = next;
    if (a <= b) fx = ++i / nx;
    else fy = ++j / ny;
    gap = Math.abs(fx - fy);
  }
  while (i < nx) {
    const next = x[i];
    area += gap * (next - v);
    if (next !== v && gap > d) d = gap;
    v = next;
    gap = Math.abs(++i / nx - fy);
  }
  while (j < ny) {
    const next = y[j];
    area += gap * (next - v);
    if (next !== v && gap > d) d = gap;
    v = next;
    gap = Math.abs(fx - ++j / ny);
  }
  return { ksStatistic: d, wasserstein: area };
}

function random(seed: number): () => number {
  let x = seed;
  return () => (x = (16807 * x) % (2 ** 31 - 1)) / (2 ** 31 - 1);
}
const normal = (next: () => number) => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
function sample(n: number, seed: number, f: (next: () => number, i: number) => number): Float64Array {
  const next = random(seed);
  return Float64Array.from({ length: n }, (_, i) => f(next, i));
}

const KINDS: [string, (next: () => number, i: number) => number][] = [
  ['normal', (next) => normal(next)],
  ['shifted normal', (next) => normal(next) + 0.3],
  ['rounded to 0.01 (ties)', (next) => Math.round(normal(next) * 100) / 100],
  ['lognormal', (next) => Math.exp(normal(next))],
  ['whole minutes', (next) => Math.round(normal(next) * 30)],
  ['all equal', () => 3.25],
  ['NaN, ±Infinity, ±0 among negatives', (next, i) => (i % 5 === 0 ? [NaN, Infinity, -Infinity, -0, 0][(i / 5) % 5] : -Math.floor(next() * 9) / 2)],
  ['subnormals and zeros', (next, i) => (i % 3 === 0 ? (i % 2 ? 0 : -0) : (next() - 0.5) * 1e-310)],
  ['ascending', (_, i) => i * 0.5],
  ['descending', (_, i) => 1e4 - i * 0.75],
];

test('the walk equals its earlier form bit for bit: KS statistic and Wasserstein, n from 1 to 3,000 on each side', () => {
  let cases = 0;
  KINDS.forEach(([nameX, fx], kx) => {
    KINDS.forEach(([nameY, fy], ky) => {
      for (const [nx, ny] of [[1, 1], [1, 2], [2, 1], [2, 2], [7, 40], [3_000, 2_500]]) {
        const x = sortedFinite(sample(nx, 101 + kx * 13 + nx, fx));
        const y = sortedFinite(sample(ny, 707 + ky * 17 + ny, fy));
        if (x.length === 0 || y.length === 0) continue;
        const got = ksAndWasserstein(x, y);
        const want = previousWalk(x, y);
        const what = `${nameX} (${x.length}) vs ${nameY} (${y.length})`;
        assert.ok(Object.is(got.ksStatistic, want.ksStatistic), `${what}: KS ${got.ksStatistic} vs ${want.ksStatistic}`);
        assert.ok(Object.is(got.wasserstein, want.wasserstein), `${what}: Wasserstein ${got.wasserstein} vs ${want.wasserstein}`);
        cases++;
      }
    });
  });
  assert.ok(cases > 500);
});

test('the walk’s KS statistic is ksTwoSample’s (which drops NaN), on samples with missing values', () => {
  for (let t = 0; t < 40; t++) {
    const a = sample(200 + t, 31 + t, (next, i) => (i % 9 === 0 ? NaN : normal(next)));
    const b = sample(150 + 3 * t, 61 + t, (next, i) => (i % 13 === 0 ? NaN : normal(next) + 0.05 * t));
    assert.equal(ksAndWasserstein(sortedFinite(a), sortedFinite(b)).ksStatistic, ksTwoSample(a, b).statistic, `case ${t}`);
  }
});
