// runStep: one user step without Temporal, refused and checked exactly as the engine would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aq, defineStep, StepError, z } from '../../lib/steps/define.js';
import { runStep, StepCheckError } from '../../lib/steps/harness.js';
import { StepOutputError } from '../../lib/steps/outputs.js';
import { deriveFeatures } from '../../examples/weather-steps/steps.js';

test('a dataset step: the table typed as the engine types it (dates as Dates), its output loadable, progress kept', async () => {
  const days = aq.table({ date: ['2012-01-01', '2012-02-03'], temp_max: [12.8, 10.6], temp_min: [5, 2.8] });
  const r = await runStep(deriveFeatures, { inputs: { dataset: days } });
  assert.deepEqual(r.table?.array('month'), [1, 2], 'ISO dates became dates, as in a snapshot');
  assert.deepEqual(r.table?.array('temp_range'), [7.8, 7.8]);
  assert.deepEqual(r.dataset?.columns.find((c) => c.name === 'month'), { name: 'month', kind: 'numeric' });
  assert.deepEqual(r.progress, ['derived 2 columns over 2 rows']);
});

test('what the engine refuses, runStep refuses: a bad with (by path), a broken contract, a result it did not declare', async () => {
  await assert.rejects(runStep(deriveFeatures, { with: { dropMissing: 1, extra: true } }), (err: Error) =>
    err instanceof StepCheckError && /with\.dropMissing: /.test(err.message) && /with: Unrecognized key: "extra"|with: Unrecognized key/.test(err.message));
  await assert.rejects(runStep({ name: 'Bad Name', description: 'x', run: async () => ({}) }), (err: Error) => err instanceof StepCheckError && /name must be lowercase/.test(err.message));
  const undeclared = defineStep({ name: 'undeclared', description: 'returns data it did not declare', run: async () => ({ data: { n: 1 } }) });
  await assert.rejects(runStep(undeclared), (err: Error) => err instanceof StepOutputError && /returned "data" without declaring it in produces/.test(err.message));
  const big = defineStep({ name: 'big', description: 'too much data', produces: ['data'], run: async () => ({ data: { s: 'x'.repeat(70_000) } }) });
  await assert.rejects(runStep(big), /bytes of data \(at most 65536\)/);
});

test("the step's own StepError reaches the test unchanged; config defaults are filled in", async () => {
  const picky = defineStep({
    name: 'picky', description: 'refuses small limits', config: z.object({ limit: z.number().default(5) }).strict(), produces: ['data'],
    run: async (_ctx, { config }) => {
      if (config.limit < 3) throw new StepError('limit too small', { retryable: false });
      return { data: { limit: config.limit } };
    },
  });
  assert.deepEqual((await runStep(picky)).data, { limit: 5 });
  await assert.rejects(runStep(picky, { with: { limit: 1 } }), (err: Error) => err instanceof StepError && !err.retryable);
});
