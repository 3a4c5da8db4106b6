// The v1 predict answer written by hand is byte for byte what JSON.stringify makes of the same answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestAnswers, type AnswerPart } from '../../serving/answers.js';
import type { PredictResponse } from '../../serving/predict.js';
import { predictResponseJson } from '../../serving/predictResponse.js';

const odd = ['plain', 'quo"te', 'back\\slash', 'tab\there', 'nl\nx', 'ünïcode', 'emoji 🌧', 'lone \ud800 surrogate', '\u2028sep', ''];

test('classifier answers, with class names and labels that need escaping, equal JSON.stringify', () => {
  const classes = odd;
  const res: PredictResponse = {
    model: 'we"ird',
    predictions: Array.from({ length: 25 }, (_, i) => ({
      requestId: `id-${i}${odd[i % odd.length]}`, label: classes[i % classes.length],
      probabilities: Object.fromEntries(classes.map((c, k) => [c, k === 3 ? 0 : (i + 1) / (k + 7) + 1e-17 * k])),
      variant: i % 3 ? 'champion' : 'challenger', version: 1 + (i % 2),
    })),
  };
  assert.equal(predictResponseJson(res), JSON.stringify(res));
});

test('regressor answers (negative zero, tiny and huge values) and an empty answer equal JSON.stringify', () => {
  const values = [-0, 1e-300, -2.5e300, 0.1 + 0.2, 42, -7.125];
  const res: PredictResponse = {
    model: 'cars', predictions: values.map((value, i) => ({ requestId: `r${i}`, value, variant: 'champion', version: 3 })),
  };
  assert.equal(predictResponseJson(res), JSON.stringify(res));
  assert.equal(predictResponseJson({ model: 'm', predictions: [] }), JSON.stringify({ model: 'm', predictions: [] }));
});

test('a version switch mid-answer (a split: two versions with different classes) keeps each one\'s keys', () => {
  const res: PredictResponse = {
    model: 'm',
    predictions: [
      { requestId: 'a', label: 'x', probabilities: { x: 0.9, y: 0.1 }, variant: 'champion', version: 1 },
      { requestId: 'b', label: 'z', probabilities: { x: 0.2, y: 0.3, z: 0.5 }, variant: 'challenger', version: 2 },
      { requestId: 'c', label: 'y', probabilities: { x: 0.4, y: 0.6 }, variant: 'champion', version: 1 },
    ],
  };
  assert.equal(predictResponseJson(res), JSON.stringify(res));
});

/** What predict answered before its answers stayed flat: one object per instance, its class map built in class order. */
function objects(model: string, ids: (i: number) => string, n: number, parts: AnswerPart[]): PredictResponse {
  const predictions: PredictResponse['predictions'] = new Array(n);
  for (const p of parts) {
    const m = p.indices ? p.indices.length : n;
    for (let k = 0; k < m; k++) {
      const i = p.indices ? p.indices[k] : k;
      if (p.out.task === 'regression') {
        predictions[i] = { requestId: ids(i), value: p.out.values[k], variant: p.variant, version: p.version };
        continue;
      }
      const probabilities: Record<string, number> = {};
      for (let j = 0; j < p.classes.length; j++) probabilities[p.classes[j]] = p.out.probabilities[k * p.classes.length + j];
      predictions[i] = { requestId: ids(i), label: p.out.labels[k], probabilities, variant: p.variant, version: p.version };
    }
  }
  return { model, predictions };
}

const classified = (classes: string[], rows: number, seed: number): AnswerPart['out'] => ({
  task: 'classification', classes: classes.length, labels: Array.from({ length: rows }, (_, k) => classes[(k + seed) % classes.length]),
  probabilities: Float32Array.from({ length: rows * classes.length }, (_, x) => ((x * 7 + seed) % 11) / 11 + (x % 3 === 0 ? 1e-9 : 0)),
});

test('flat answers (one part, server-made ids) are written as the objects they stand for, and make those objects', () => {
  const base = '0f1e2d3c-4b5a-4978-8695-a4b3c2d10000';
  const classes = ['sun', '10', 'rain', '2', 'x', 'x']; // integer-like names come first in a map; a repeated name keeps its last value
  const parts: AnswerPart[] = [{ variant: 'champion', version: 4, classes, out: classified(classes, 300, 1), indices: null }];
  const answers = new RequestAnswers('weather', 300, { base }, parts);
  const expected = objects('weather', (i) => base.slice(0, 32) + i.toString(16).padStart(4, '0'), 300, parts);
  assert.equal(predictResponseJson(answers), JSON.stringify(expected));
  assert.deepEqual(answers.predictions, expected.predictions);
});

test('flat answers of a split (two versions, a fallback part, client ids that need escaping, a regressor) equal JSON.stringify', () => {
  const sent = Array.from({ length: 9 }, (_, i) => `id-${i}${odd[i % odd.length]}`);
  const a = odd.slice(0, 4);
  const b = ['no', 'yes'];
  const split: AnswerPart[] = [
    { variant: 'champion', version: 1, classes: a, out: classified(a, 4, 2), indices: [0, 2, 5, 8] },
    { variant: 'challenger', version: 2, classes: b, out: classified(b, 3, 3), indices: [1, 4, 7] },
    { variant: 'champion', version: 1, classes: a, out: classified(a, 2, 4), indices: [3, 6] },
  ];
  const answers = new RequestAnswers('m"x', 9, { sent }, split);
  assert.equal(predictResponseJson(answers), JSON.stringify(objects('m"x', (i) => sent[i], 9, split)));
  const values = Float32Array.from([-0, 1e-30, 3.5, -2.25e30]);
  const regressor: AnswerPart[] = [{ variant: 'champion', version: 7, classes: [], out: { task: 'regression', values }, indices: null }];
  const r = new RequestAnswers('cars', 4, { sent: ['a', 'b', 'c', 'd'] }, regressor);
  assert.equal(predictResponseJson(r), JSON.stringify(objects('cars', (i) => 'abcd'[i], 4, regressor)));
});
