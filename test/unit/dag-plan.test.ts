// Pipeline DAGs: the default lifecycle, parallel branches, inputs by port, and every kind of bad definition named by its path.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parsePipeline, PipelineError, type PipelineDefinition } from '../../lib/config/pipeline.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { checkDefinition } from '../../lib/steps/check.js';

const DEFINE = join(PROJECT_ROOT, 'lib/steps/define.js');

async function moduleFile(source: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-steps-'));
  const path = join(dir, 'steps.ts');
  await writeFile(path, source.replaceAll('DEFINE', DEFINE));
  return path;
}

const STEPS = `import { defineStep, z } from 'DEFINE';
export const clean = defineStep({ name: 'clean', description: 'x', consumes: ['dataset'], produces: ['dataset'], async run() { return {}; } });
export const check = defineStep({ name: 'check', description: 'x', config: z.object({ min: z.number().int() }).strict(), consumes: ['dataset'], produces: ['data'], async run() { return {}; } });
export const notify = defineStep({ name: 'notify', description: 'x', consumes: ['model'], cache: false, async run() { return {}; } });
`;

function definition(extra: Record<string, unknown>): PipelineDefinition {
  return parsePipeline(
    { name: 'p', data: { path: 'x.csv' }, target: 'y', features: { numeric: ['a'] }, search: { space: { logreg: { l2: [0.1] } } }, ...extra },
    'test',
    '/',
  );
}

/** The lines of the PipelineError that checking the definition throws. */
async function mistakes(extra: Record<string, unknown>): Promise<string[]> {
  const err = await checkDefinition(definition(extra)).then(
    () => assert.fail('the definition must be refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PipelineError);
  return err.message.split('\n').slice(1).map((l) => l.trim());
}

const step = (id: string, uses: string, needs: string[] = [], rest: Record<string, unknown> = {}) => ({ id, uses, needs, ...rest });
const lifecycle = (...extra: ReturnType<typeof step>[]) => [
  step('ingest', 'ingest'),
  step('clean', 'clean', ['ingest']),
  step('validate', 'validate', ['clean']),
  step('check', 'check', ['clean'], { with: { min: 3 } }),
  step('optimize', 'optimize', ['validate', 'check']),
  step('package', 'package', ['optimize']),
  step('rollout', 'rollout', ['package']),
  ...extra,
];

test('a pipeline without steps gets the built-in lifecycle, in order, each input from the step before', async () => {
  const { plan } = await checkDefinition(definition({}));
  assert.deepEqual(plan.steps.map((s) => [s.id, s.needs, s.inputs]), [
    ['ingest', [], {}],
    ['validate', ['ingest'], { dataset: 'ingest' }],
    ['optimize', ['validate'], { dataset: 'validate' }],
    ['package', ['optimize'], { candidate: 'optimize' }],
    ['rollout', ['package'], { model: 'package' }],
  ]);
  assert.deepEqual(plan.steps.map((s) => s.cache), [true, true, true, true, false], 'rollout has side effects');
  for (const s of plan.steps) assert.ok(s.retry.maximumAttempts >= 1 && s.retry.maximumAttempts <= 10, 'every retry policy is bounded');
});

test('user steps join the DAG: parallel branches, inputs found upstream by port, policies from the definition', async () => {
  const modules = [await moduleFile(STEPS)];
  const { plan, catalog } = await checkDefinition(
    definition({ modules, steps: lifecycle(step('notify', 'notify', ['rollout'], { retry: { maximumAttempts: 5 }, timeoutSeconds: 20, taskQueue: 'hooks' })) }),
  );
  assert.deepEqual(plan.steps.map((s) => s.id), ['ingest', 'clean', 'validate', 'check', 'optimize', 'package', 'rollout', 'notify']);
  const by = Object.fromEntries(plan.steps.map((s) => [s.id, s]));
  assert.deepEqual(by.check.inputs, { dataset: 'clean' });
  assert.deepEqual(by.optimize.inputs, { dataset: 'validate' }, 'check produces data, not a dataset');
  assert.deepEqual(by.notify.inputs, { model: 'package' }, 'found two levels up');
  assert.deepEqual(by.check.config, { min: 3 });
  assert.deepEqual([by.notify.retry.maximumAttempts, by.notify.timeoutSeconds, by.notify.taskQueue, by.notify.cache], [5, 20, 'hooks', false]);
  assert.match(catalog.get('clean')?.codeVersion ?? '', /^module:[0-9a-f]{64}$/, 'a user step is versioned by its module source');
});

test('every mistake in a DAG is named by its path, all at once', async () => {
  const modules = [await moduleFile(STEPS)];
  const lines = await mistakes({
    modules,
    steps: [
      step('ingest', 'ingest'),
      step('ingest', 'ingest'),
      step('clean', 'cleanse', ['ingest']),
      step('check', 'check', ['ingest', 'nowhere'], { with: { min: 'three', extra: 1 } }),
    ],
  });
  assert.ok(lines.includes('- steps.1.id: "ingest" is already the id of steps.0'), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('- steps.2.uses: unknown step "cleanse" (available: ingest, validate, optimize, package, rollout, approval, check, clean, notify')), lines.join('\n'));
  assert.ok(lines.includes('- steps.3.needs.1: no step has the id "nowhere"'), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('- steps.3.with.min:')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('- steps.3.with:') && l.includes('extra')), lines.join('\n'));
});

test('a cycle is refused and named', async () => {
  const lines = await mistakes({ steps: [step('ingest', 'ingest', ['rollout']), step('validate', 'validate', ['ingest']), step('rollout', 'rollout', ['validate'])] });
  assert.ok(lines.some((l) => /^- steps: the steps form a cycle: (\w+) → (\w+) → (\w+) → \1$/.test(l)), lines.join('\n'));
});

test('the old built-in "deploy" is named with what replaced it', async () => {
  const lines = await mistakes({ steps: [step('ingest', 'ingest'), step('validate', 'validate', ['ingest']), step('optimize', 'optimize', ['validate']), step('package', 'package', ['optimize']), step('deploy', 'deploy', ['package'])] });
  assert.ok(lines.some((l) => /^- steps\.4\.uses: unknown step "deploy" .*the built-in "deploy" is now "rollout"/.test(l)), lines.join('\n'));
});

test('an input that no upstream step provides, or that two could provide, is refused', async () => {
  const missing = await mistakes({ steps: [step('ingest', 'ingest'), step('package', 'package', ['ingest'])] });
  assert.deepEqual(missing, ['- steps.1: "package" takes a "candidate" input, but no step it needs (directly or through others) produces one']);
  const modules = [await moduleFile(STEPS)];
  const twice = await mistakes({ modules, steps: [step('ingest', 'ingest'), step('a', 'clean', ['ingest']), step('b', 'clean', ['ingest']), step('validate', 'validate', ['a', 'b'])] });
  assert.deepEqual(twice, ['- steps.3.needs: "validate" could take its "dataset" input from "a" or "b": need only one of them']);
});

test('step modules that cannot be used are named with their export', async () => {
  const broken = await moduleFile(`export const bad = { name: 'Bad Name', description: 'x', produces: ['model'], run: 'not a function' };
export const validate = { name: 'validate', description: 'mine', async run() { return {}; } };`);
  const lines = await mistakes({ modules: [broken, '/nowhere/steps.ts', await moduleFile('export const nothing = 1;')] });
  assert.ok(lines.some((l) => l.startsWith('- modules.0: export "bad": name ')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('- modules.0: export "bad": produces.0')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('- modules.0: export "bad": run must be a function')), lines.join('\n'));
  assert.ok(lines.includes('- modules.0: export "validate": step name "validate" is already a built-in step'), lines.join('\n'));
  assert.ok(lines.includes('- modules.1: cannot read step module /nowhere/steps.ts: no such file'), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('- modules.2: ') && l.endsWith('exports no step (an object with name, description and run; see defineStep)')), lines.join('\n'));
  const failing = await moduleFile(`throw new Error('boom at import');`);
  assert.ok((await mistakes({ modules: [failing] })).some((l) => l.includes('failed to load: boom at import')));
});

test('step policies are bounded by the schema: no step retries forever', () => {
  const err = (() => {
    try {
      definition({ steps: [step('ingest', 'ingest', [], { retry: { maximumAttempts: 0 }, timeoutSeconds: 0 })] });
    } catch (e) {
      return e as Error;
    }
    return null;
  })();
  assert.ok(err instanceof PipelineError);
  assert.match(err.message, /steps\.0\.retry\.maximumAttempts: /);
  assert.match(err.message, /steps\.0\.timeoutSeconds: /);
});
