// The definition's retrain section: defaults, and every mistake named by its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline, PipelineError } from '../../lib/config/pipeline.js';

const base = { name: 'p', data: { path: 'x.csv' }, target: 'y', features: { numeric: ['a'] }, search: { space: { logreg: { l2: [1] } } } };

test('retrain defaults: one run per incident, 1 h cool-down, 100 new labels, champion data included, all labelled traffic', () => {
  assert.deepEqual(parsePipeline(base, 't', '/').retrain, { enabled: true, cooldownSeconds: 3600, minNewLabels: 100, includeChampionData: true, window: {} });
  const set = parsePipeline({ ...base, retrain: { cooldownSeconds: 0, window: { days: 30, maxRows: 5000 }, includeChampionData: false } }, 't', '/');
  assert.deepEqual(set.retrain, { enabled: true, cooldownSeconds: 0, minNewLabels: 100, includeChampionData: false, window: { days: 30, maxRows: 5000 } });
});

test('bad retrain fields are refused with their paths', () => {
  const bad = { ...base, retrain: { cooldownSeconds: -5, minNewLabels: 1.5, includeChampionData: 'yes', window: { days: 0, maxRows: 0, hours: 3 }, storm: true } };
  assert.throws(
    () => parsePipeline(bad, 'bad.json', '/'),
    (err: unknown) => {
      assert.ok(err instanceof PipelineError);
      for (const path of ['retrain.cooldownSeconds', 'retrain.minNewLabels', 'retrain.includeChampionData', 'retrain.window.days', 'retrain.window.maxRows', 'retrain.window', 'retrain']) {
        assert.match(err.message, new RegExp(`- ${path.replace(/\./g, '\\.')}: `), `names ${path}`);
      }
      assert.match(err.message, /hours/);
      assert.match(err.message, /storm/);
      return true;
    },
  );
});
