// A step module in a folder outside the project (no package.json: loaded as CommonJS, its own copy of define.ts) throws StepErrors the worker still recognises.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { isStepError, StepError } from '../../lib/steps/define.js';
import { loadStepModules } from '../../lib/steps/loader.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-user-steps-'));
  await writeFile(
    join(dir, 'steps.ts'),
    `import { defineStep, StepError } from ${JSON.stringify(join(PROJECT_ROOT, 'lib/steps/define.ts'))};
export const rejects = defineStep({ name: 'rejects', description: 'fails for good', async run() { throw new StepError('bad rows', { retryable: false }); } });
export const flaky = defineStep({ name: 'flaky', description: 'fails for now', async run() { throw new StepError('try later', { retryable: true }); } });
export const crashes = defineStep({ name: 'crashes', description: 'a plain error', async run() { throw new TypeError('oops'); } });
export const ownCheck = defineStep({ name: 'own-check', description: 'its own instanceof', async run() {
  try { throw new StepError('inner'); } catch (err) { return { summary: String(err instanceof StepError) }; }
} });
`,
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function thrownBy(name: string): Promise<unknown> {
  const loaded = await loadStepModules([join(dir, 'steps.ts')]);
  assert.deepEqual(loaded.issues, []);
  const step = loaded.steps.find((s) => s.name === name)?.step;
  assert.ok(step, `step ${name} loaded`);
  return step.run({} as never, { inputs: {}, config: {} }).then(() => assert.fail('should throw'), (err: unknown) => err);
}

test('the module really has its own copy of the error class (the situation the brand is for)', async () => {
  const err = await thrownBy('rejects');
  assert.notEqual((err as Error).constructor, StepError, 'another copy of the class');
});

test("a StepError from another module copy is a StepError to the worker, with its retryability", async () => {
  const rejects = await thrownBy('rejects');
  assert.ok(isStepError(rejects));
  assert.ok(rejects instanceof StepError, 'instanceof works across copies');
  assert.equal((rejects as StepError).retryable, false);
  const flaky = await thrownBy('flaky');
  assert.ok(isStepError(flaky));
  assert.equal((flaky as StepError).retryable, true);
});

test('other errors are not StepErrors; a subclass keeps the ordinary instanceof', async () => {
  assert.equal(isStepError(await thrownBy('crashes')), false);
  assert.equal(isStepError({ retryable: false, name: 'StepError' }), false, 'a look-alike object without the brand');
  class PublishError extends StepError {}
  assert.ok(new PublishError('x') instanceof PublishError);
  assert.equal(new StepError('y') instanceof PublishError, false);
  assert.ok(new PublishError('x') instanceof StepError);
});

test("the step's own instanceof check works inside its module", async () => {
  const loaded = await loadStepModules([join(dir, 'steps.ts')]);
  const step = loaded.steps.find((s) => s.name === 'own-check')?.step;
  assert.equal((await step!.run({} as never, { inputs: {}, config: {} })).summary, 'true');
});
