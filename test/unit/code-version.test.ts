// A built-in's code version (lib/steps/codeVersion.ts): the hash of what its files import at run time changes with their code, and with nothing else.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CodeVersionError, moduleGraphHash } from '../../lib/steps/codeVersion.js';

const root = await mkdtemp(join(tmpdir(), 'mlcycle-code-version-'));
after(() => rm(root, { recursive: true, force: true }));

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

const TRAIN = [
  "import { fit } from '../lib/fit.js';",
  "import type { Options } from '../lib/options.js';",
  "import { z } from 'zod';",
  "const THREAD = new URL('../lib/thread.ts', import.meta.url);",
  'export const run = (o: Options) => [fit(o), THREAD, z];',
].join('\n');

await write({
  'steps/train.ts': TRAIN,
  'lib/fit.ts': "export { mean } from './stats.js';\nexport const fit = (o: unknown) => o;\n",
  'lib/stats.ts': 'export const mean = 1;\n',
  'lib/options.ts': 'export interface Options { a: number }\n',
  'lib/thread.ts': 'export const work = 1;\n',
  'lib/unused.ts': 'export const other = 1;\n',
  'node_modules/zod/package.json': '{"name":"zod","version":"4.0.0"}',
});
const version = (): string => moduleGraphHash(root, ['steps/train.ts']).hash;

test('the graph holds the entry, what it imports and re-exports, its thread entry, and the packages with their versions', () => {
  const g = moduleGraphHash(root, ['steps/train.ts']);
  assert.deepEqual(g.files, ['lib/fit.ts', 'lib/stats.ts', 'lib/thread.ts', 'steps/train.ts']);
  assert.deepEqual(g.packages, ['zod@4.0.0']);
  assert.equal(version(), g.hash, 'the same files hash alike');
});

test('a change to any file it runs, or to a package version, changes the version', async () => {
  for (const [path, text] of [['lib/stats.ts', 'export const mean = 2;\n'], ['lib/thread.ts', 'export const work = 2;\n'], ['steps/train.ts', `${TRAIN}\n// edited\n`]]) {
    const before = version();
    await write({ [path]: text });
    assert.notEqual(version(), before, `${path} changed`);
  }
  const before = version();
  await write({ 'node_modules/zod/package.json': '{"name":"zod","version":"4.0.1"}' });
  assert.notEqual(version(), before, 'an upgraded package');
});

test('files it does not run (type-only imports, other modules) and line endings leave the version alone', async () => {
  const before = version();
  await write({ 'lib/options.ts': 'export interface Options { a: number; b: string }\n', 'lib/unused.ts': 'export const other = 2;\n' });
  assert.equal(version(), before);
  await write({ 'lib/thread.ts': 'export const work = 2;\r\n' });
  assert.equal(version(), before, 'CRLF is the same code');
});

test('a missing entry or an import of no file is an error naming it, never a version that leaves code out', async () => {
  assert.throws(() => moduleGraphHash(root, ['steps/gone.ts']), (e: unknown) => e instanceof CodeVersionError && /steps\/gone\.ts not found/.test(e.message));
  await write({ 'steps/broken.ts': "import { x } from './missing.js';\n" });
  assert.throws(() => moduleGraphHash(root, ['steps/broken.ts']), /imports that resolve to no file: steps\/broken\.ts → \.\/missing\.js/);
});
