// The chaos suite's output: scenario rows make the table, load figures the "Load" section after it, read from one results file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSection, markdownTable, readResults } from '../chaos/report.js';

test('a results file with rows and load figures splits into the table and the Load section, each in reported order', () => {
  const lines = [
    JSON.stringify({ scenario: '7. batch', runs: 2, faults: 1, outcome: 'all rows once', lost: 0, duplicated: 0, seed: 42 }),
    JSON.stringify({ kind: 'load', name: 'Serving: 60 s at 70%', figures: { errors: 0, 'latency p99': '12.0 ms' } }),
    '',
    JSON.stringify({ scenario: '4. replica', runs: 1, faults: 1, outcome: 'ok', lost: 0, duplicated: 0, seed: 7, figures: { recovery: '1 s' } }),
  ];
  const { rows, loads } = readResults(`${lines.join('\n')}\n`);
  assert.deepEqual(rows.map((r) => r.scenario), ['7. batch', '4. replica']);
  assert.deepEqual(loads, [{ name: 'Serving: 60 s at 70%', figures: { errors: 0, 'latency p99': '12.0 ms' } }]);
  assert.match(markdownTable(rows), /^\| scenario \| runs \| faults injected \| outcome \| lost \| duplicated \|\n\|---/);
  assert.ok(!markdownTable(rows).includes('Serving'), 'load figures are not table rows');
  assert.equal(loadSection(loads), 'Load:\n- Serving: 60 s at 70%: errors 0, latency p99 12.0 ms');
  assert.deepEqual(readResults(''), { rows: [], loads: [] });
});
