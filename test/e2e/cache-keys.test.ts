// Built-in steps' memoization end to end: an edited section reruns the steps that read it, the rest are reused, and each run records the keys and code versions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PipelineDefinition } from '../../lib/config/pipeline.js';
import { BUILTIN_DESCRIPTORS, type BuiltinStepName } from '../../lib/steps/catalog.js';
import { stepRunsOf, type StepRunRow } from '../../lib/store/stepResults.js';
import { resolvePipeline, startLifecycle } from '../../triggers/client.js';
import { startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
let base: PipelineDefinition;

before(async () => {
  stack = await startTestStack();
  const example = await resolvePipeline('seattle-weather');
  // No rollout step: a second registered version would start a rollout, which is not what this test is about.
  const steps = [
    { id: 'ingest', uses: 'ingest', needs: [] },
    { id: 'validate', uses: 'validate', needs: ['ingest'] },
    { id: 'optimize', uses: 'optimize', needs: ['validate'] },
  ];
  base = { ...example, name: 'cache-keys', steps } as PipelineDefinition;
});
after(async () => {
  await stack?.teardown();
});

/** Runs the definition (a rerun after the first) and returns its step records by step id. */
async function run(def: PipelineDefinition, rerun: boolean): Promise<{ workflowId: string; steps: Record<string, StepRunRow> }> {
  const started = await startLifecycle(stack, def, { rerun, reason: 'cache-keys test' });
  await started.handle.result();
  const rows = await stepRunsOf(stack.db, started.workflowId);
  return { workflowId: started.workflowId, steps: Object.fromEntries(rows.map((r) => [r.stepId, r])) };
}

const statuses = (r: { steps: Record<string, StepRunRow> }): Record<string, string> => Object.fromEntries(Object.entries(r.steps).map(([id, s]) => [id, s.status]));
let first: Awaited<ReturnType<typeof run>>;

test('the first run records each step with its cache key and its code version (the hash of the code that ran)', async () => {
  first = await run(base, false);
  assert.deepEqual(statuses(first), { ingest: 'executed', validate: 'executed', optimize: 'executed' });
  for (const [id, s] of Object.entries(first.steps)) {
    assert.equal(s.codeVersion, BUILTIN_DESCRIPTORS[id as BuiltinStepName].codeVersion);
    assert.match(s.codeVersion ?? '', new RegExp(`^${id}@[0-9a-f]{12}$`));
  }
});

test('nothing changed: a rerun reuses every step under the same keys', async () => {
  const again = await run(base, true);
  assert.deepEqual(statuses(again), { ingest: 'reused', validate: 'reused', optimize: 'reused' });
  for (const id of Object.keys(first.steps)) assert.equal(again.steps[id].cacheKey, first.steps[id].cacheKey, id);
});

test('an edited search reruns optimize and reuses ingest and validate', async () => {
  const edited = await run({ ...base, search: { ...base.search!, folds: 3 } }, true);
  assert.deepEqual(statuses(edited), { ingest: 'reused', validate: 'reused', optimize: 'executed' });
  assert.notEqual(edited.steps.optimize.cacheKey, first.steps.optimize.cacheKey);
  assert.equal(edited.steps.validate.cacheKey, first.steps.validate.cacheKey);
});

test('an edited validation section reruns validate; optimize, whose inputs come out the same, is reused', async () => {
  const edited = await run({ ...base, validation: { ...base.validation, rangeTolerance: 0.4 } }, true);
  assert.deepEqual(statuses(edited), { ingest: 'reused', validate: 'executed', optimize: 'reused' });
  assert.notEqual(edited.steps.validate.cacheKey, first.steps.validate.cacheKey);
  assert.equal(edited.steps.optimize.cacheKey, first.steps.optimize.cacheKey, "optimize's key depends on what validate produced, not on its section");
});

test('a search gated against no champion is reused until a champion from another run serves, then runs again', async () => {
  const full = { ...base, steps: [...base.steps!, { id: 'package', uses: 'package', needs: ['optimize'] }, { id: 'rollout', uses: 'rollout', needs: ['package'] }] };
  const served = await run(full as PipelineDefinition, true);
  assert.deepEqual(statuses(served), { ingest: 'reused', validate: 'reused', optimize: 'reused', package: 'executed', rollout: 'executed' });
  const champion = await stack.db.query<{ champion_version: number }>('SELECT champion_version FROM deployments WHERE model_name = $1', ['cache-keys']);
  assert.equal(champion.rows[0]?.champion_version, 1, 'v1 serves, registered by this run');
  const after = await run(base, true);
  assert.equal(after.steps.optimize.cacheKey, first.steps.optimize.cacheKey, 'the same key');
  assert.deepEqual(statuses(after), { ingest: 'reused', validate: 'reused', optimize: 'executed' }, 'the recorded search was gated against no champion: not reused');
});
