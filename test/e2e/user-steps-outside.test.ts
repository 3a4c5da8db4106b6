// User step modules in a folder outside the project (no package.json of their own), run by a real worker: their
// StepErrors keep their meaning, and a module edited mid-run fails the steps it provides, naming it and what changed.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { PipelineDefinition, PipelineInput } from '../../lib/config/pipeline.js';
import { stepRunsOf } from '../../lib/store/stepResults.js';
import { REPAIR_WORKFLOW, TASK_QUEUE } from '../../contracts/names.js';
import type { RepairResult } from '../../contracts/types.js';
import { resolvePipeline, startLifecycle } from '../../triggers/client.js';
import { startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
let base: PipelineDefinition;
let dir: string;
let module: string;

before(async () => {
  stack = await startTestStack();
  base = await resolvePipeline('seattle-weather');
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-outside-'));
  module = join(dir, 'steps.ts');
  await writeFile(
    module,
    `import { appendFileSync } from 'node:fs';
import { defineStep, StepError, z } from ${JSON.stringify(join(PROJECT_ROOT, 'lib/steps/define.ts'))};
export const edit = defineStep({
  name: 'edit-module', description: 'edits a file, as a person editing the module mid-run would', cache: false, config: z.object({ path: z.string() }),
  async run(_ctx, { config }) { appendFileSync(config.path, '\\n// edited while a run used me\\n'); return { summary: 'edited' }; },
});
export const check = defineStep({ name: 'check', description: 'runs after ingest', cache: false, async run() { return { summary: 'checked' }; } });
export const reject = defineStep({
  name: 'reject', description: 'refuses the data for good', cache: false,
  async run() { throw new StepError('rows are not what we sell', { retryable: false }); },
});
`,
  );
});
after(async () => {
  await stack?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function pipelineOf(name: string, steps: NonNullable<PipelineInput['steps']>): PipelineInput {
  return { ...base, name, modules: [module], steps };
}

async function failure(definition: PipelineInput) {
  const run = await startLifecycle(stack, definition, { rerun: true });
  const err = await run.handle.result().then(() => assert.fail('the run must fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
  return { run, cause: err.cause };
}

test('a non-retryable StepError from a module outside the project ends the run StepRejected at once, not retried', async () => {
  const { run, cause } = await failure(pipelineOf('outside-reject', [
    { id: 'ingest', uses: 'ingest' },
    { id: 'refuse', uses: 'reject', needs: ['ingest'], retry: { maximumAttempts: 3, initialIntervalSeconds: 0.1 } },
  ]));
  assert.equal(cause.type, 'StepRejected');
  assert.match(cause.message, /^step "refuse" \(reject\) failed: rows are not what we sell$/);
  const history = await run.handle.fetchHistory();
  const attempts = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt).filter((a) => a !== undefined && a !== null);
  assert.ok(attempts.every((a) => a === 1), `every activity ran once: attempts ${attempts.join(', ')}`);
});

test('a module edited mid-run fails the step it provides (not a built-in), naming module, steps and hashes; the repair says why', async () => {
  const { run, cause } = await failure(pipelineOf('outside-edited', [
    { id: 'edit', uses: 'edit-module', with: { path: module } },
    { id: 'ingest', uses: 'ingest', needs: ['edit'] },
    { id: 'after', uses: 'check', needs: ['ingest'] },
  ]));
  assert.equal(cause.type, 'BadDefinition');
  assert.match(
    cause.message,
    /^step "after" \(check\) failed: step module \S+steps\.ts \(steps check, edit-module, reject\) changed since definition outside-edited@[0-9a-f]{16} was stored \(sha256 [0-9a-f]{12}… then, [0-9a-f]{12}… now\); the version's code is gone/,
  );
  const records = await stepRunsOf(stack.db, run.workflowId);
  assert.deepEqual(records.filter((r) => r.temporalRunId === run.runId).map((r) => [r.stepId, r.status]), [['edit', 'executed'], ['ingest', 'executed'], ['after', 'failed']]);

  const round = (await stack.client.workflow.execute(REPAIR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: 'repair-outside-edited', args: [{ pipeline: 'outside-edited', dryRun: false }] })) as RepairResult;
  assert.equal(round.decisions.length, 1);
  assert.equal(round.decisions[0].action, 'not_repairable');
  assert.equal(round.decisions[0].step, 'after');
  assert.match(round.decisions[0].reason, /^not repairable \(BadDefinition\): step module \S+steps\.ts \(steps check, edit-module, reject\) changed since /);
});
