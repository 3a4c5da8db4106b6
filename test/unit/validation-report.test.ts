// Tests for the HTML validation report: verdict, failed checks with sample rows, histograms, and escaping of data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Table } from '../../lib/data/table.js';
import { profileTable } from '../../lib/data/profile.js';
import { runValidation } from '../../lib/checks/suite.js';
import { renderValidationHtml } from '../../lib/report/validationHtml.js';

const EVIL = '<script>alert(1)</script>';

function table(names: string[], shift = 0): Table {
  const n = names.length;
  return {
    rows: n,
    columns: [
      { name: 'amount', kind: 'numeric', values: Float64Array.from({ length: n }, (_, i) => i + shift) },
      { name: 'name', kind: 'categorical', values: names },
      { name: 'day', kind: 'date', values: Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1 + i)) },
    ],
  };
}

const names = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'ann' : 'bob'));
const reference = profileTable(table(names));
const current = table(names.map((v, i) => (i === 7 ? EVIL : v)), 5);
const report = runValidation({
  table: current,
  sourceName: 'orders "<today>".csv',
  expectations: [
    { expect: 'allowedSet', column: 'name', values: ['ann', 'bob'] },
    { expect: 'range', column: 'amount', max: 100 },
  ],
  skew: { reference, config: { defaultNumericJs: 0.05 } },
}).report;

test('the page shows the verdict, the failed check with its sample row, and the statistics', () => {
  const html = renderValidationHtml(report, { title: 'Orders <check>', referenceProfile: reference });
  assert.ok(html.startsWith('<!doctype html>'));
  assert.match(html, /<title>Orders &#60;check&#62;<\/title>/);
  assert.match(html, /class="verdict bad">Failed</);
  assert.match(html, /<b>allowedSet:name<\/b> — 1 failing row<br>/);
  assert.match(html, /<table class="sample"><tr><th>row<\/th><th>name<\/th><th>amount<\/th><th>day<\/th><\/tr><tr><td>8<\/td>/);
  assert.match(html, /<h2>Skew against the reference<\/h2>/);
  assert.match(html, /<td>amount<\/td><td>numeric<\/td><td>40<\/td><td>0<\/td><td>40<\/td><td>5<\/td>/, 'per-column statistics');
  assert.match(html, /<td>day<\/td><td>date<\/td><td>40<\/td><td>0<\/td><td>40<\/td><td>2024-01-01<\/td>/);
  assert.ok((html.match(/<svg /g) ?? []).length === 3, 'one histogram per column');
  assert.match(html, /fill="#9aa0a6"/, 'reference bars are drawn');
  assert.doesNotMatch(html, /range:amount/, 'passed checks are not listed among the failures');
});

test('every value from the data is escaped', () => {
  const html = renderValidationHtml(report);
  assert.equal(html.includes('<script>'), false);
  assert.ok(html.includes('&#60;script&#62;alert(1)&#60;/script&#62;'));
  assert.ok(html.includes('orders &#34;&#60;today&#62;&#34;.csv'));
});

test('a clean report says so; without a reference, current histograms stand alone', () => {
  const clean = runValidation({ table: table(names), sourceName: 'ok.csv', expectations: [{ expect: 'notNull', column: 'name' }] }).report;
  const html = renderValidationHtml(clean);
  assert.match(html, /class="verdict ok">Passed</);
  assert.match(html, /Every check passed\./);
  assert.doesNotMatch(html, /fill="#9aa0a6"/);
  assert.ok((html.match(/<svg /g) ?? []).length === 3);
  const compared = renderValidationHtml(clean, { referenceProfile: reference });
  assert.ok((compared.match(/fill="#9aa0a6"/g) ?? []).length > 3, 'a reference profile alone brings reference bars');
});
