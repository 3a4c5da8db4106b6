// The v1 predict answer written by hand is byte for byte what JSON.stringify makes of the same answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
