// Metrics against scikit-learn numbers (fixture): ROC AUC with ties (binary, macro one-vs-rest), F1, accuracy, log loss, RMSE, MAE, R².

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  accuracy, binaryF1, binaryRocAuc, logLoss, macroF1, mae, r2, regressionScores, rmse, rocAuc,
} from '../../lib/train/metrics.js';

interface SkMetrics {
  sklearn: string;
  binary: { y: number[]; score: number[]; pred: number[]; auc: number; f1: number; f1_neg: number; macro_f1: number };
  binary_all_tied: { y: number[]; score: number[]; auc: number };
  multiclass: {
    classes: number; y: number[]; proba: number[]; pred: number[];
    auc_ovr_macro: number; accuracy: number; log_loss: number; macro_f1: number;
  };
  regression: { y: number[]; pred: number[]; rmse: number; mae: number; r2: number };
  regression_constant: { y: number[]; pred_exact: number[]; pred_off: number[]; r2_exact: number; r2_off: number };
}

// Made by test/fixtures/make_metrics_fixture.py.
const SK = JSON.parse(readFileSync(new URL('../fixtures/sklearn-metrics.json', import.meta.url), 'utf8')) as SkMetrics;
const TOL = 1e-12;

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOL, `${what}: ${actual} vs scikit-learn ${expected}`);
}

test('binary ROC AUC with tied scores, from scores and from a 2-column probability matrix', () => {
  const b = SK.binary;
  close(binaryRocAuc(Int32Array.from(b.y), Float64Array.from(b.score)), b.auc, 'binaryRocAuc');
  const proba = Float64Array.from(b.score.flatMap((s) => [1 - s, s]));
  close(rocAuc(Int32Array.from(b.y), proba, 2), b.auc, 'rocAuc (2 classes)');
  close(binaryRocAuc(Int32Array.from(SK.binary_all_tied.y), Float64Array.from(SK.binary_all_tied.score)), 0.5, 'all tied');
});

test('binary F1 for either positive class, and macro F1', () => {
  const b = SK.binary;
  const y = Int32Array.from(b.y);
  const p = Int32Array.from(b.pred);
  close(binaryF1(y, p), b.f1, 'F1 (positive 1)');
  close(binaryF1(y, p, 0), b.f1_neg, 'F1 (positive 0)');
  close(macroF1(y, p, 2), b.macro_f1, 'macro F1');
});

test('multiclass: macro one-vs-rest ROC AUC with ties, accuracy, log loss, macro F1', () => {
  const m = SK.multiclass;
  const y = Int32Array.from(m.y);
  const proba = Float64Array.from(m.proba);
  close(rocAuc(y, proba, m.classes), m.auc_ovr_macro, 'macro OvR AUC');
  close(accuracy(y, proba, m.classes), m.accuracy, 'accuracy');
  close(logLoss(y, proba, m.classes), m.log_loss, 'log loss');
  close(macroF1(y, Int32Array.from(m.pred), m.classes), m.macro_f1, 'macro F1');
});

test('regression: RMSE, MAE, R² (and R² on a constant target)', () => {
  const r = SK.regression;
  const y = Float64Array.from(r.y);
  const p = Float64Array.from(r.pred);
  close(rmse(y, p), r.rmse, 'RMSE');
  close(mae(y, p), r.mae, 'MAE');
  close(r2(y, p), r.r2, 'R²');
  assert.deepEqual(regressionScores(y, p), { rmse: rmse(y, p), mae: mae(y, p), r2: r2(y, p), rows: y.length });
  const c = SK.regression_constant;
  assert.equal(r2(c.y, c.pred_exact), c.r2_exact);
  assert.equal(r2(c.y, c.pred_off), c.r2_off);
});

test('edge cases: undefined AUCs are NaN, absent classes leave the macro mean, mismatches throw', () => {
  assert.ok(Number.isNaN(binaryRocAuc([1, 1, 1], [0.1, 0.2, 0.3])));
  // Class 2 never occurs: the mean runs over classes 0 and 1, each perfectly ranked.
  const proba = Float64Array.from([0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.6, 0.3, 0.1, 0.3, 0.6, 0.1]);
  assert.equal(rocAuc(Int32Array.from([0, 1, 0, 1]), proba, 3), 1);
  assert.equal(binaryRocAuc([0, 1, 0, 1], [0.9, 0.1, 0.8, 0.2]), 0);
  assert.ok(Number.isNaN(rmse([], [])) && Number.isNaN(mae([], [])) && Number.isNaN(r2([], [])));
  assert.equal(binaryF1([0, 0], [0, 0]), 0);
  assert.throws(() => rocAuc(Int32Array.from([0, 1]), new Float64Array(3), 2), /proba has 3 values, expected 2×2/);
  assert.throws(() => binaryRocAuc([0, 1], [0.5, NaN]), /score at row 1 is NaN/);
  assert.throws(() => rmse([1, 2], [1]), /rmse: 2 true values but 1 predictions/);
  assert.throws(() => binaryF1([1], [1, 0]), /binaryF1/);
});
