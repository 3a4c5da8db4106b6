// Tests for the HTML model card: every section present, everything escaped, trials best first with an inline chart.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelCard } from '../../lib/report/modelCard.js';
import { rankTrials, renderModelCardHtml } from '../../lib/report/modelCardHtml.js';

const EVIL = '<script>alert("x")</script>';

function card(over: Partial<ModelCard> = {}): ModelCard {
  return {
    name: `penguins ${EVIL}`,
    purpose: `Predict the species & sex of a penguin ${EVIL}`,
    algorithm: 'gbdt <b>',
    hyperparameters: { l2: 0.01, [`depth${EVIL}`]: 6, loss: EVIL },
    signature: {
      inputs: [{ name: 'bill_length_mm', kind: 'numeric' }, { name: `island${EVIL}`, kind: 'categorical' }],
      target: `species${EVIL}`,
      classes: ['Adelie', `Gentoo${EVIL}`],
    },
    metrics: { accuracy: 0.9612, logLoss: 0.1234, [`f1${EVIL}`]: 0.95 },
    primaryMetric: 'accuracy',
    dataset: { id: `ds-1${EVIL}`, rows: 344, source: `penguins.json${EVIL}` },
    trials: [
      { trialId: 't-low', params: { l2: 1 }, cvScore: 0.81 },
      { trialId: `t-best${EVIL}`, params: { l2: 0.01, algo: EVIL }, cvScore: 0.97 },
      { trialId: 't-failed', params: { l2: 100 }, cvScore: NaN },
      { trialId: 't-mid', params: { l2: 0.1 }, cvScore: 0.9 },
    ],
    onnx: { sha256: `ab12${EVIL}`, bytes: 2048, parityMaxAbsDiff: 3.2e-7 },
    libraries: { node: 'v20.19.0', [`onnx${EVIL}`]: `1.30${EVIL}` },
    runId: `run-7${EVIL}`,
    createdAt: '2026-11-22T10:00:00.000Z',
    metricIntervals: { accuracy: { lower: 0.93, upper: 0.985, level: 0.95 } },
    latencyMs: { batch1: 0.042, batch1024: 3.1 },
    lineage: [
      { role: 'training', id: 'ds-1', sha256: 'f00dfeed', rows: 344, source: 'penguins.json' },
      { role: `holdout${EVIL}`, id: 'ds-1/holdout', sha256: `beef${EVIL}`, rows: 69 },
    ],
    ...over,
  };
}

test('the page has every section, in a self-contained document', () => {
  const html = renderModelCardHtml(card(), { version: 3 });
  assert.ok(html.startsWith('<!doctype html>') && html.trimEnd().endsWith('</html>'));
  for (const id of ['purpose', 'signature', 'metrics', 'lineage', 'hyperparameters', 'trials', 'libraries', 'package', 'latency']) {
    assert.match(html, new RegExp(`<section id="${id}"><h2>`), `section ${id}`);
  }
  assert.match(html, /v3<\/title>/);
  assert.match(html, /0\.9300 – 0\.9850 \(95%\)/); // accuracy interval
  assert.match(html, /f00dfeed/); // lineage hash
  assert.match(html, /<td>bill_length_mm<\/td><td>numeric<\/td>/);
  assert.match(html, /<svg [^>]*aria-label="cross-validation score per trial"/);
  assert.match(html, /0\.04200<\/td><td>42<\/td>/); // batch-1 latency in ms and µs per row
  assert.match(html, /3\.20e-7/); // parity
  assert.ok(!/<(script|link|img)\b/i.test(html) && !/\bsrc=|href=/.test(html), 'nothing loaded from elsewhere');
});

test('everything from the card is escaped', () => {
  const html = renderModelCardHtml(card());
  assert.ok(!html.includes('<script>'), 'a raw <script> tag got through');
  assert.ok(!html.includes('<b>'));
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.ok(html.includes('species &amp; sex'));
  const escapedCount = html.split('&lt;script&gt;').length - 1;
  assert.ok(escapedCount >= 15, `only ${escapedCount} escaped occurrences`);
});

test('trials are listed best first (failed last), the best bar highlighted; lower-is-better metrics flip the order', () => {
  const html = renderModelCardHtml(card());
  const order = ['t-best', 't-mid', 't-low', 't-failed'].map((id) => html.indexOf(`<td>${id}`));
  assert.ok(order.every((p, i) => p > 0 && (i === 0 || p > order[i - 1])), `positions ${order}`);
  assert.match(html, /<title>t-best&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;: 0\.9700<\/title>[^]*?fill="#188038"/);
  const ids = (lower: boolean): string[] => rankTrials(card().trials, lower).map((t) => t.trialId.slice(0, 6));
  assert.deepEqual(ids(false), ['t-best', 't-mid', 't-low', 't-fail']);
  assert.deepEqual(ids(true), ['t-low', 't-mid', 't-best', 't-fail']);
  const lossCard = renderModelCardHtml(card({ primaryMetric: 'logLoss' }));
  assert.ok(lossCard.indexOf('<td>t-low') < lossCard.indexOf('<td>t-mid'));
  assert.match(lossCard, /lower is better/);
});

test('long searches are cut at maxTrials and counted', () => {
  const trials = Array.from({ length: 120 }, (_, i) => ({ trialId: `t${i}`, params: { l2: i }, cvScore: i / 200 }));
  const html = renderModelCardHtml(card({ trials }), { maxTrials: 10 });
  assert.match(html, /… and 110 more trials\./);
  assert.ok(html.includes('<td>t119</td>') && !html.includes('<td>t0</td>'));
});

test('optional fields missing: the page still renders and says what is absent', () => {
  const html = renderModelCardHtml(card({ metricIntervals: undefined, latencyMs: undefined, lineage: undefined, trials: [], hyperparameters: {} }));
  assert.match(html, /<section id="latency"><h2>Latency<\/h2>\n<p>Not measured\.<\/p>/);
  assert.match(html, /No content hashes were recorded/);
  assert.match(html, /No search trials were recorded/);
  assert.match(html, /<td>0\.9612<\/td><td>–<\/td>/);
});
