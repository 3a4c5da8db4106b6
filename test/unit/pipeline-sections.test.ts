// Optional sections: a DAG of user steps needs no data, target, features or search; a built-in that reads one is refused by path without it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parsePipeline, PipelineError } from '../../lib/config/pipeline.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { checkDefinition } from '../../lib/steps/check.js';
import { requireSections } from '../../lib/steps/sections.js';
import { definitionVersion } from '../../lib/store/definitions.js';
import { checkImport, ImportRefused } from '../../triggers/importCheck.js';

async function moduleFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-sections-'));
  const path = join(dir, 'steps.ts');
  await writeFile(path, `import { defineStep } from ${JSON.stringify(join(PROJECT_ROOT, 'lib/steps/define.js'))};
export const fetch = defineStep({ name: 'fetch-rates', description: 'x', produces: ['data'], async run() { return { data: { rate: 1 } }; } });
export const publish = defineStep({ name: 'publish', description: 'x', consumes: ['data'], cache: false, async run() { return {}; } });
`);
  return path;
}

const ML = { data: { path: 'x.csv' }, target: 'y', features: { numeric: ['a'] }, search: { space: { logreg: { l2: [0.1] } } } };

/** The lines of the PipelineError that checking the definition throws. */
async function mistakes(value: Record<string, unknown>): Promise<string[]> {
  const err = await checkDefinition(parsePipeline(value, 'test', '/')).then(() => assert.fail('the definition must be refused'), (e: unknown) => e);
  assert.ok(err instanceof PipelineError, String(err));
  return err.message.split('\n').slice(1).map((l) => l.trim());
}

test('a DAG of user steps declares no data, target, features or search, and is planned', async () => {
  const modules = [await moduleFile()];
  const def = parsePipeline({ name: 'rates', modules, steps: [{ id: 'fetch', uses: 'fetch-rates' }, { id: 'publish', uses: 'publish', needs: ['fetch'] }] }, 'test', '/');
  assert.equal('data' in def, false, 'no data key is added (the stored version hash is that of the content)');
  assert.deepEqual([def.target, def.features, def.search], [undefined, undefined, undefined]);
  const { plan } = await checkDefinition(def);
  assert.deepEqual(plan.steps.map((s) => [s.id, s.inputs]), [['fetch', {}], ['publish', { data: 'fetch' }]]);
});

test('a built-in that needs a section the definition leaves out is refused, naming the step and the section', async () => {
  const modules = [await moduleFile()];
  const steps = [{ id: 'ingest', uses: 'ingest' }, { id: 'check', uses: 'validate', needs: ['ingest'] }, { id: 'tune', uses: 'optimize', needs: ['check'] }];
  assert.deepEqual(await mistakes({ name: 'p', modules, ...ML, search: undefined, steps }), ['- steps.2: "tune" (optimize) needs "search", which this pipeline does not declare']);
  assert.deepEqual(await mistakes({ name: 'p', modules, steps }), [
    '- steps.0: "ingest" needs "data", which this pipeline does not declare',
    '- steps.1: "check" (validate) needs "target" and "features", which this pipeline does not declare',
    '- steps.2: "tune" (optimize) needs "target", "features" and "search", which this pipeline does not declare',
  ]);
  // The rollout and approval steps read optional sections only (no rollout section: registered, never served).
  const { plan } = await checkDefinition(parsePipeline({ name: 'p', ...ML, steps: [...steps, { id: 'package', uses: 'package', needs: ['tune'] }, { id: 'rollout', uses: 'rollout', needs: ['package'] }] }, 'test', '/'));
  assert.equal(plan.steps.length, 5);
});

test('the built-in lifecycle (no steps) names each missing section once, with the step that needs it', async () => {
  assert.deepEqual(await mistakes({ name: 'p', ...ML, features: undefined, search: undefined }), [
    `- features: is needed by the built-in lifecycle's "validate" step (give "steps" to run a DAG without it)`,
    `- search: is needed by the built-in lifecycle's "optimize" step (give "steps" to run a DAG without it)`,
  ]);
});

test('checks that read a section still apply when it is present; retraining without data or a source is refused', () => {
  assert.throws(() => parsePipeline({ name: 'p', features: { numeric: ['a', 'a'] } }, 'test', '/'), /feature "a" is listed twice/);
  assert.throws(() => parsePipeline({ name: 'p', search: { space: { logreg: { l2: [0.1] } }, featureSets: [{ numeric: ['a'] }] } }, 'test', '/'), /search\.featureSets\.0: "a" is not one of the pipeline's numeric features/);
  assert.throws(() => parsePipeline({ name: 'p', schedules: { retrain: { everySeconds: 3600 } } }, 'test', '/'), /schedules\.retrain\.source: the pipeline declares no "data" to retrain on/);
});

test('code that reads a section narrows the definition, or names who needs what', () => {
  const def = parsePipeline({ name: 'rates' }, 'test', '/');
  assert.throws(() => requireSections(def, ['target', 'search'], 'step "tune" (optimize)'), /^PipelineError: step "tune" \(optimize\) needs "target" and "search", which pipeline rates does not declare$/);
  assert.equal(requireSections(parsePipeline({ name: 'p', ...ML }, 'test', '/'), ['search'], 'x').search.folds, 5);
});

test('importing a model into a pipeline that does not learn is refused, naming what it lacks, before any file is read', async () => {
  const err = await checkImport('/nonexistent/model.onnx', parsePipeline({ name: 'rates', target: 'y' }, 'test', '/'), undefined).then(() => assert.fail('refused'), (e: unknown) => e);
  assert.ok(err instanceof ImportRefused);
  assert.equal(err.message, `an imported model is scored on the pipeline's data and holdout: rates needs "data", "features" and "search"`);
  assert.equal(err.exitCode, 2);
});

test('the stored version hash of every example is what it was before sections became optional', () => {
  const version = (example: string): string => definitionVersion(parsePipeline(JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples', example, 'pipeline.json'), 'utf8')), example, '/fixed'), {});
  // Computed with the code before this change (every section required), the same base folder and no modules.
  assert.deepEqual(
    ['cars-mpg', 'penguins', 'seattle-weather', 'starter', 'weather-steps'].map(version),
    ['8416e673a5923b26', 'ed3f896d787c7066', 'bbf7fa6cc84367cb', '3ba04f5bad9f9937', '6a5ae2171ade7232'],
  );
});
