// The monitor page shows the drift suite (method, value, threshold, every test) and trend lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Table } from '../../lib/data/table.js';
import { renderMonitorHtml, type MonitorReportView } from '../../lib/report/monitorHtml.js';
import { driftExact } from '../../lib/stats/driftSuite.js';

const t = (n: number, shift: number): Table => ({
  rows: n,
  columns: [
    { name: 'age', kind: 'numeric', values: Float64Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n + shift) },
    { name: 'city', kind: 'categorical', values: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'Oslo' : 'Bergen')) },
  ],
});
const base: MonitorReportView = {
  model: 'm', championVersion: 1, window: { fromPredictionId: 0, toPredictionId: 10, rows: 2000 },
  policy: { psiThreshold: 0.25, ksPValueThreshold: 0.001, minRows: 100, maxAccuracyDrop: 0.1 }, breached: false, reasons: [], createdAt: '2026-12-01T00:00:00Z',
};

test('the drift suite table and the trend plots render every value', () => {
  const suite = driftExact(t(3000, 0), t(2000, 0.3), { numeric: ['age'], categorical: ['city'] });
  const html = renderMonitorHtml({
    ...base, driftSuite: suite,
    trend: { windows: [1, 2, 3].map((k) => ({ label: `w${k}`, share: k / 4, values: { age: 0.1 * k, city: 0.01 } })) },
  });
  assert.match(html, /Dataset drift: 1 of 2 features/);
  assert.match(html, /<td title="[^"]*">wasserstein<\/td>/);
  assert.match(html, /<td title="[^"]*">jensenshannon<\/td>/);
  assert.match(html, new RegExp(suite.features[0].psi.toPrecision(3).replace('.', '\\.')));
  assert.equal((html.match(/<polyline/g) ?? []).length, 3);
  assert.match(html, /3 windows, w1 … w3/);
  assert.doesNotMatch(html, /KS p-value &lt;/);
});
