// Tests for the scoring pool: worker threads load the tiny ONNX model (bytes or path), score, micro-batch, refuse bad models.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ScoringPool, sharedModelSource, type ScoreResult, type ScoringModel } from '../../lib/scoring/scoringPool.js';
import { TINY_A, TINY_B, TINY_INPUTS } from './harness.js';

const bytesA = readFileSync(TINY_A);
const shaA = createHash('sha256').update(bytesA).digest('hex');
const modelA: ScoringModel = { sha256: shaA, source: sharedModelSource(bytesA), inputs: TINY_INPUTS, task: 'classification' };
const pool = new ScoringPool({ threads: 2, batchWindowMs: 5 });
after(() => pool.close());

/** The classifier's outputs (the test fails on a regressor's). */
function classified(out: ScoreResult): Extract<ScoreResult, { task: 'classification' }> {
  assert.equal(out.task, 'classification');
  return out as Extract<ScoreResult, { task: 'classification' }>;
}

const softmax2 = (a: number, b: number): [number, number] => {
  const m = Math.max(a, b);
  const ea = Math.exp(a - m);
  const eb = Math.exp(b - m);
  return [ea / (ea + eb), eb / (ea + eb)];
};

/** Model A by hand: scores = coef · [x1, red, green, blue] + intercept, missing x1 → 0. */
function expectedA(x1: number | null, color: string | null): [number, number] {
  const x = x1 ?? 0;
  const oh = ['red', 'green', 'blue'].map((c) => (c === color ? 1 : 0));
  const no = -1 * x + 0.5 * oh[0] - 0.5 * oh[1] + 0 * oh[2] + 0.2;
  const yes = 1 * x - 0.5 * oh[0] + 0.5 * oh[1] + 0 * oh[2] - 0.2;
  return softmax2(no, yes);
}

test('scores rows in a worker thread and matches the model computed by hand (missing values included)', async () => {
  const rows = [
    { x1: 1, color: 'red' },
    { x1: null, color: null },
    { x1: -2.5, color: 'blue' },
    { x1: 0.25, color: 'purple' },
  ];
  const out = classified(await pool.score(modelA, rows));
  assert.equal(out.classes, 2);
  assert.equal(out.labels.length, rows.length);
  rows.forEach((r, i) => {
    const [pNo, pYes] = expectedA(r.x1, r.color);
    assert.ok(Math.abs(out.probabilities[2 * i] - pNo) < 1e-5, `row ${i}`);
    assert.ok(Math.abs(out.probabilities[2 * i + 1] - pYes) < 1e-5, `row ${i}`);
    assert.equal(out.labels[i], pYes > pNo ? 'yes' : 'no');
  });
});

test('concurrent requests for one model are merged into one run, each getting its own rows back', async () => {
  await pool.score(modelA, [{ x1: 0, color: 'red' }]); // session loaded
  const before = pool.runs;
  const requests = Array.from({ length: 10 }, (_, i) => [{ x1: i, color: 'green' }, { x1: -i, color: 'red' }]);
  const results = (await Promise.all(requests.map((rows) => pool.score(modelA, rows)))).map(classified);
  assert.equal(pool.runs - before, 1, 'one worker task for 10 requests');
  results.forEach((out, i) => {
    assert.equal(out.labels.length, 2);
    const [, yes0] = expectedA(i, 'green');
    const [, yes1] = expectedA(-i, 'red');
    assert.ok(Math.abs(out.probabilities[1] - yes0) < 1e-5);
    assert.ok(Math.abs(out.probabilities[3] - yes1) < 1e-5);
  });
});

test('loads a model from a file path, and different models stay apart', async () => {
  const bytesB = readFileSync(TINY_B);
  const shaB = createHash('sha256').update(bytesB).digest('hex');
  const modelB: ScoringModel = { sha256: shaB, source: { path: fileURLToPath(TINY_B) }, inputs: TINY_INPUTS, task: 'classification' };
  const row = [{ x1: 2, color: 'red' }];
  const [a, b] = (await Promise.all([pool.score(modelA, row), pool.score(modelB, row)])).map(classified);
  assert.notEqual(a.probabilities[1], b.probabilities[1]);
  assert.equal(a.labels[0], 'yes');
  assert.equal(b.labels[0], 'no');
});

test('warm() runs the model on every thread and reports its output shape', async () => {
  const out = classified(await pool.warm(modelA));
  assert.equal(out.classes, 2);
  assert.deepEqual(out.labels, ['no']);
});

test('bytes that do not hash to the model sha256 are refused', async () => {
  const wrong: ScoringModel = { sha256: 'f'.repeat(64), source: sharedModelSource(bytesA), inputs: TINY_INPUTS, task: 'classification' };
  await assert.rejects(pool.score(wrong, [{ x1: 1, color: 'red' }]), /hash to/);
  const garbage = Buffer.from('not an onnx model');
  const sha = createHash('sha256').update(garbage).digest('hex');
  await assert.rejects(pool.warm({ sha256: sha, source: sharedModelSource(garbage), inputs: TINY_INPUTS, task: 'classification' }));
});

test('a 1,000-row batch scores in one run', async () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ({ x1: i / 100 - 5, color: ['red', 'green', 'blue'][i % 3] }));
  const out = classified(await pool.score(modelA, rows));
  assert.equal(out.labels.length, 1000);
  for (let i = 0; i < 1000; i++) assert.ok(Math.abs(out.probabilities[2 * i] + out.probabilities[2 * i + 1] - 1) < 1e-5);
});
