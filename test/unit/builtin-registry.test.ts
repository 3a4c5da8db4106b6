// The built-in steps' two registries (descriptors in lib/steps/catalog.ts, runners in workflows/builtins.ts) name the same steps, each with its files.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUILTIN_RUNNERS } from '../../workflows/builtins.js';
import { BUILTIN_DESCRIPTORS, BUILTIN_STEPS, isBuiltinStepName, type BuiltinStepName } from '../../lib/steps/catalog.js';
import { CODE_ROOT, moduleGraphHash } from '../../lib/steps/codeVersion.js';

// Compile-time: both registries are keyed by exactly the union (`satisfies Record<…>` in each file does the same).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const runnersCoverUnion: Same<keyof typeof BUILTIN_RUNNERS, BuiltinStepName> = true;
const descriptorsCoverUnion: Same<keyof typeof BUILTIN_DESCRIPTORS, BuiltinStepName> = true;

test('every built-in has a descriptor and a runner, and nothing else has either', () => {
  assert.ok(runnersCoverUnion && descriptorsCoverUnion);
  const runners = Object.keys(BUILTIN_RUNNERS).sort();
  const descriptors = Object.keys(BUILTIN_DESCRIPTORS).sort();
  assert.deepEqual(runners, descriptors, 'a name in one registry but not the other');
  assert.deepEqual(BUILTIN_STEPS.map((s) => s.name).sort(), descriptors);
  for (const [name, d] of Object.entries(BUILTIN_DESCRIPTORS)) {
    assert.equal(d.name, name, `descriptor under "${name}" names itself "${d.name}"`);
    assert.equal(d.builtin, true);
    assert.equal(typeof BUILTIN_RUNNERS[name as BuiltinStepName], 'function');
  }
  assert.equal(isBuiltinStepName('optimize'), true);
  assert.equal(isBuiltinStepName('toString'), false, 'an inherited property is no built-in');
  assert.equal(isBuiltinStepName('deploy'), false);
});

test("each built-in's implementing files start with its runner file, exist, and its code version is their graph's hash", () => {
  for (const d of BUILTIN_STEPS) {
    const files = d.implementedBy ?? [];
    assert.equal(files[0], `workflows/steps/${d.name}.ts`, `${d.name}: the runner file comes first`);
    for (const f of files) assert.ok(existsSync(join(CODE_ROOT, f)), `${d.name}: ${f} exists`);
    assert.match(d.codeVersion, new RegExp(`^${d.name}@[0-9a-f]{12}$`));
    assert.equal(d.codeVersion, `${d.name}@${moduleGraphHash(CODE_ROOT, files).hash.slice(0, 12)}`);
    assert.ok(d.sections, `${d.name} declares the sections it reads`);
  }
  const versions = new Set(BUILTIN_STEPS.map((d) => d.codeVersion.split('@')[1]));
  assert.equal(versions.size, BUILTIN_STEPS.length, 'each built-in has its own code version');
});

test("a built-in's code version covers the activity code it runs, its threads and the libraries under them", () => {
  const graph = (name: BuiltinStepName) => moduleGraphHash(CODE_ROOT, BUILTIN_DESCRIPTORS[name].implementedBy ?? []);
  const optimize = graph('optimize');
  for (const f of ['workflows/optimize.ts', 'activities/optimize.ts', 'activities/trainingWorker.ts', 'lib/train/gate.ts', 'lib/train/search.ts']) {
    assert.ok(optimize.files.includes(f), `optimize's graph holds ${f}`);
  }
  assert.ok(!optimize.files.includes('activities/package.ts'), "optimize's version does not change with package's code");
  assert.ok(graph('validate').files.includes('lib/checks/suite.ts'));
  assert.ok(graph('package').files.includes('lib/onnx/exportModel.ts'));
  assert.ok(graph('package').packages.some((p) => /^onnxruntime-node@\d/.test(p)), 'installed package versions are part of it');
  assert.ok(graph('rollout').files.includes('workflows/rollout.ts') && graph('rollout').files.includes('activities/deploy.ts'));
  assert.ok(graph('approval').files.includes('workflows/approvalStep.ts'));
});
