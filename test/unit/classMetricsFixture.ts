// Shared cases for the classification-metric tests: a hand-worked 7-answer window and scikit-learn's multiclass fixture.
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { scoreRows, type ClassRow, type ScoredRows } from '../../lib/stats/classMetrics/scored.js';
import type { Outcome } from '../../lib/stats/classMetrics/index.js';

const CLASSES = ['a', 'b', 'c'];
const row = (label: string, predicted: string, probabilities: number[]): ClassRow => ({ label, predicted, probabilities, classes: CLASSES });

/**
 * Labelled a, a, b, b, c, c, a; predicted a, b, b, b, a, c, a. Confusion: labelled a 3, b 2, c 2; predicted a 3, b 3,
 * c 1; right: a 2, b 2, c 1. Row 5's probability of c (0.1) ties the other rows' 0.1.
 */
export const WORKED: ClassRow[] = [
  row('a', 'a', [0.7, 0.2, 0.1]),
  row('a', 'b', [0.3, 0.6, 0.1]),
  row('b', 'b', [0.2, 0.7, 0.1]),
  row('b', 'b', [0.1, 0.8, 0.1]),
  row('c', 'a', [0.5, 0.4, 0.1]),
  row('c', 'c', [0.2, 0.2, 0.6]),
  row('a', 'a', [0.6, 0.3, 0.1]),
];

export const worked = (): ScoredRows => scoreRows(WORKED);

interface SkMulticlass { classes: number; y: number[]; proba: number[]; pred: number[]; auc_ovr_macro: number; accuracy: number; log_loss: number; macro_f1: number }

/** scikit-learn 1.9's numbers for 120 answers over 4 classes (test/fixtures/make_metrics_fixture.py). */
export function sklearnMulticlass(): { s: ScoredRows; sk: SkMulticlass } {
  const sk = (JSON.parse(readFileSync(new URL('../fixtures/sklearn-metrics.json', import.meta.url), 'utf8')) as { multiclass: SkMulticlass }).multiclass;
  const classes = Array.from({ length: sk.classes }, (_, j) => `k${j}`);
  const rows = sk.y.map((y, i): ClassRow => ({
    label: classes[y], predicted: classes[sk.pred[i]], probabilities: sk.proba.slice(i * sk.classes, (i + 1) * sk.classes), classes,
  }));
  return { s: scoreRows(rows), sk };
}

export function value(o: Outcome): number {
  assert.ok('value' in o, `expected a value, got undefined: ${'reason' in o ? o.reason : ''}`);
  return o.value;
}

export function close(actual: number, expected: number, what: string, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

export const INTERVALS = { level: 0.95, seed: 1, iterations: 300 };
