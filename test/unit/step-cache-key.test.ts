// Built-in steps' cache keys: each changes with the pipeline sections its step reads and its code version, and with nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPipeline, type PipelineDefinition } from '../../lib/config/pipeline.js';
import { BUILTIN_DESCRIPTORS, type BuiltinStepName, type StepDescriptor } from '../../lib/steps/catalog.js';
import { lookupStep } from '../../lib/store/stepCache.js';
import type { Queryable } from '../../lib/store/db.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';

const base = await loadPipeline(`${PROJECT_ROOT}/examples/seattle-weather/pipeline.json`);
const source = { kind: 'file', path: '/data/train.csv' };
// No lookup of a recorded result (reuse: false): the key is computed exactly as prepareStep computes it, without a database.
const noDb = null as unknown as Queryable;

async function key(name: BuiltinStepName, def: PipelineDefinition = base, o: { with?: Record<string, unknown>; descriptor?: StepDescriptor; digest?: string | null } = {}) {
  const descriptor = o.descriptor ?? BUILTIN_DESCRIPTORS[name];
  const step = { id: name, uses: name, cache: descriptor.cache, config: o.with ?? {} };
  return lookupStep(noDb, { def, descriptor, step, inputs: {}, source, sourceDigest: o.digest === undefined ? 'abc' : o.digest }, { reuse: false });
}

const edit = (f: (d: PipelineDefinition) => void): PipelineDefinition => {
  const d = structuredClone(base);
  f(d);
  return d;
};
const every = Object.keys(BUILTIN_DESCRIPTORS) as BuiltinStepName[];

/** The built-ins whose key changed when the definition was edited. */
async function changed(def: PipelineDefinition): Promise<BuiltinStepName[]> {
  const out: BuiltinStepName[] = [];
  for (const name of every) if ((await key(name)).cacheKey !== (await key(name, def)).cacheKey) out.push(name);
  return out;
}

test('nothing changed: every key is the same (a memoized rerun reuses everything)', async () => {
  for (const name of every) assert.equal((await key(name)).cacheKey, (await key(name, structuredClone(base))).cacheKey, name);
});

test("the rollout section changes the rollout step's key, and only its key", async () => {
  assert.deepEqual(await changed(edit((d) => (d.rollout!.minEffect = 0.05))), ['rollout']);
  assert.deepEqual(await changed(edit((d) => delete d.rollout)), ['rollout']);
});

test("search changes optimize's key (and package's: its holdout), not validate's", async () => {
  assert.deepEqual(await changed(edit((d) => (d.search!.folds = 3))), ['optimize', 'package']);
});

test('each section changes the keys of the steps that read it', async () => {
  assert.deepEqual(await changed(edit((d) => (d.validation.rangeTolerance = 0.1))), ['validate']);
  assert.deepEqual(await changed(edit((d) => (d.gate!.minimum = 0.7))), ['optimize', 'package']);
  assert.deepEqual(await changed(edit((d) => (d.features!.numeric = d.features!.numeric.slice(1)))), ['validate', 'optimize']);
  assert.deepEqual(await changed(edit((d) => (d.target = 'wind'))), ['validate', 'optimize', 'package']);
  assert.deepEqual(await changed(edit((d) => (d.description = 'another purpose'))), ['package']);
  assert.deepEqual(await changed(edit((d) => (d.pii = { temp_min: 'drop' }))), ['ingest', 'package']);
  assert.deepEqual(await changed(edit((d) => (d.monitor.minRows = 500))), [], 'no built-in step reads monitor');
});

test("a built-in's code version and its `with` are part of its key", async () => {
  const older = { ...BUILTIN_DESCRIPTORS.optimize, codeVersion: 'optimize@000000000000' };
  assert.notEqual((await key('optimize')).cacheKey, (await key('optimize', base, { descriptor: older })).cacheKey);
  assert.notEqual((await key('approval', base, { with: { role: 'a' } })).cacheKey, (await key('approval', base, { with: { role: 'b' } })).cacheKey);
});

test('ingest is keyed on the source digest; a source without one is not recorded for reuse', async () => {
  assert.notEqual((await key('ingest')).cacheKey, (await key('ingest', base, { digest: 'def' })).cacheKey);
  assert.equal((await key('ingest')).cacheable, true);
  assert.equal((await key('ingest', base, { digest: null })).cacheable, false);
  assert.equal((await key('rollout')).cacheable, false, 'rollout has side effects: never reused');
});
