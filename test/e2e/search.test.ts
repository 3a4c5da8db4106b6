// The search as durable work: successive halving and random search, recorded once per trial, seeded winners.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MlPipeline as PipelineDefinition } from '../../lib/steps/sections.js';
import { completeResult, resolveMlPipeline, startLifecycle, type CompleteLifecycleResult } from '../../triggers/client.js';
import { startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
let base: PipelineDefinition;
before(async () => {
  stack = await startTestStack();
  base = await resolveMlPipeline('seattle-weather');
});
after(async () => {
  await stack?.teardown();
});

async function run(pipeline: PipelineDefinition): Promise<{ result: CompleteLifecycleResult; workflowId: string }> {
  // Every step executes (noCache): these tests are about the search itself, not about reusing its results.
  const started = await startLifecycle(stack, pipeline, { rerun: true, noCache: true });
  return { result: completeResult(await started.handle.result()), workflowId: started.workflowId };
}

test('successive halving: 9 candidates on a third of the rows, the best 3 on all of them, winner among those', async () => {
  const pipeline: PipelineDefinition = {
    ...base,
    name: 'weather-halving',
    search: { ...base.search, strategy: 'halving', trials: 9, halving: { eta: 3, minBudget: 1 / 3 }, space: { logreg: { l2: { min: 1e-5, max: 10, log: true } } } },
  };
  const { result, workflowId } = await run(pipeline);
  const rows = await stack.db.query<{ trial_id: string; budget: number }>(
    `SELECT trial_id, (params->>'budget')::float AS budget FROM trials WHERE run_id = $1`,
    [workflowId],
  );
  assert.equal(rows.rowCount, 12);
  assert.equal(rows.rows.filter((r) => r.budget < 1).length, 9);
  assert.equal(rows.rows.filter((r) => r.budget === 1).length, 3);
  assert.equal(result.bestTrial.budget, 1);
  const fullBudget = result.trials.filter((t) => t.budget === 1);
  assert.equal(result.bestTrial.cvScore, Math.max(...fullBudget.map((t) => t.cvScore)));
  // The three promoted are the three best of the first rung.
  // (best first; equal scores go to the stronger regularization, as the workflow decides)
  const firstRung = result.trials.filter((t) => t.budget < 1).sort((a, b) => b.cvScore - a.cvScore || b.params.l2 - a.params.l2);
  assert.deepEqual(new Set(fullBudget.map((t) => t.params.l2)), new Set(firstRung.slice(0, 3).map((t) => t.params.l2)));
});

test('random search over feature sets is seeded: the same inputs give the same winner', async () => {
  const pipeline: PipelineDefinition = {
    ...base,
    name: 'weather-random',
    search: {
      ...base.search,
      strategy: 'random',
      trials: 6,
      featureSets: [
        { numeric: ['precipitation', 'temp_max', 'temp_min', 'wind'], categorical: [] },
        { numeric: ['precipitation', 'temp_max'], categorical: [] },
      ],
      space: { logreg: { l2: { min: 1e-4, max: 1, log: true } } },
    },
  };
  const first = await run(pipeline);
  const second = await run(pipeline);
  assert.equal(first.result.trials.length, 6);
  assert.deepEqual(first.result.bestTrial, second.result.bestTrial);
  assert.deepEqual(second.result.candidate.holdoutMetrics, first.result.candidate.holdoutMetrics);
});
