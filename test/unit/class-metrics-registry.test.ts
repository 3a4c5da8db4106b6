// The classification-metric registry: every entry has its own test file and a complete description; names are unique.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { CLASS_METRICS } from '../../lib/stats/classMetrics/index.js';
import { classificationReport, metricOf } from '../../lib/stats/classMetrics/report.js';
import { WORKED, close } from './classMetricsFixture.js';

test('every registered metric has a test file that checks it against known values', () => {
  for (const m of CLASS_METRICS) {
    const file = new URL(`./class-metric-${m.name}.test.ts`, import.meta.url);
    assert.ok(existsSync(file), `metric "${m.name}" has no test/unit/class-metric-${m.name}.test.ts`);
    assert.match(readFileSync(file, 'utf8'), new RegExp(`\\b${m.name}\\.overall\\(`), `the test of "${m.name}" never computes it`);
    assert.ok(m.definition.length > 20 && m.intervalMethod.length > 5, `metric "${m.name}" lacks a definition or interval method`);
    assert.equal(m.scope === 'perClass', typeof m.ofClass === 'function', `metric "${m.name}": perClass ⇔ ofClass`);
  }
  assert.equal(new Set(CLASS_METRICS.map((m) => m.name)).size, CLASS_METRICS.length);
});

test('the report lists every metric overall and per class, and names them by metric and class', () => {
  const r = classificationReport(WORKED, { level: 0.95, seed: 3, iterations: 200 });
  assert.deepEqual(Object.keys(r.overall).sort(), CLASS_METRICS.map((m) => m.name).sort());
  assert.deepEqual(r.perClass.map((c) => [c.class, c.labelled, c.predicted]), [['a', 3, 3], ['b', 2, 3], ['c', 2, 1]]);
  close(metricOf(r, 'recall', 'c').value ?? NaN, 1 / 2, 'recall of c');
  close(metricOf(r, 'f1').value ?? NaN, 32 / 45, 'macro F1');
  assert.equal(metricOf(r, 'recall', 'zebra').value, null);
  assert.throws(() => metricOf(r, 'kappa'), /unknown classification metric "kappa"/);
});
