// The monitor's drift section: defaults are Evidently's automatic choice, mistakes are named by path, older keys map as documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipeline, PipelineError } from '../../lib/config/pipeline.js';
import { driftPolicyOf } from '../../lib/config/drift.js';
import { DEFAULT_DRIFT_POLICY } from '../../lib/stats/driftPolicy.js';

const base = (monitor?: unknown) => ({
  name: 'p', data: { path: 'x.csv' }, target: 'y', features: { numeric: ['a'], categorical: ['b'] }, search: { space: { logreg: { l2: [0.1] } } },
  ...(monitor === undefined ? {} : { monitor }),
});

test('no drift section: the auto rule with Evidently thresholds; psiThreshold is the PSI threshold', () => {
  const p = parsePipeline(base(), 'test.json', '/tmp');
  assert.equal(p.monitor.drift, undefined);
  assert.deepEqual(driftPolicyOf(p.monitor), { ...DEFAULT_DRIFT_POLICY, thresholds: { ...DEFAULT_DRIFT_POLICY.thresholds, psi: 0.25 } });
});

test("method 'ks' takes ksPValueThreshold as alpha unless drift.alpha is given; explicit thresholds win", () => {
  const ks = parsePipeline(base({ ksPValueThreshold: 0.01, drift: { method: 'ks' } }), 'test.json', '/tmp');
  assert.equal(driftPolicyOf(ks.monitor).alpha, 0.01);
  const both = parsePipeline(base({ psiThreshold: 0.3, drift: { method: 'psi', alpha: 0.1, thresholds: { psi: 0.2 }, correction: 'bh', datasetDriftShare: 0.3 } }), 'test.json', '/tmp');
  assert.deepEqual(driftPolicyOf(both.monitor), { method: 'psi', thresholds: { psi: 0.2, jensenshannon: 0.1, wasserstein: 0.1 }, alpha: 0.1, correction: 'bh', datasetDriftShare: 0.3 });
});

test('mistakes in the drift section are named by their path', () => {
  const message = (monitor: unknown): string => {
    try {
      parsePipeline(base(monitor), 'test.json', '/tmp');
    } catch (err) {
      assert.ok(err instanceof PipelineError);
      return err.message;
    }
    assert.fail('accepted');
  };
  assert.match(message({ drift: { method: 'anderson' } }), /monitor\.drift\.method/);
  assert.match(message({ drift: { thresholds: { jensenshannon: 2 } } }), /monitor\.drift\.thresholds\.jensenshannon/);
  assert.match(message({ drift: { correction: 'bonferroni' } }), /monitor\.drift\.correction/);
  assert.match(message({ drift: { alpha: 0 } }), /monitor\.drift\.alpha/);
  assert.match(message({ drift: { window: 3 } }), /monitor\.drift/);
});
