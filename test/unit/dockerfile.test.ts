// The Dockerfile and .dockerignore, checked without a container engine: lint, the base and user, the install, and that the image holds what its commands run.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import dockerignoreModule from '@balena/dockerignore';
import { Cmd, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { loadCompose } from '../composeFile.js';
import { importGraph } from '../importGraph.js';

const text = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
const instructions = DockerfileParser.parse(text).getInstructions();
const of = (keyword: string): Instruction[] => instructions.filter((i) => i.getKeyword() === keyword);
const args = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue());
// A CommonJS module whose types declare a default export: the function is its `default`.
const ignored = dockerignoreModule.default().add(readFileSync(join(PROJECT_ROOT, '.dockerignore'), 'utf8').split('\n'));

/** What the image runs: its CMD and the commands of the compose services built from it. */
function entryFiles(): string[] {
  const cmd = of('CMD').map((i) => {
    assert.ok(i instanceof Cmd && i.getJSONStrings().length > 0, 'CMD in its JSON (exec) form');
    return i.getJSONStrings().map((s) => s.getJSONValue());
  });
  const compose = Object.values(loadCompose().services).filter((s) => s.build).map((s) => s.command ?? []);
  return [...new Set([...cmd, ...compose].flat().filter((a) => a.endsWith('.ts')))];
}

test('the Dockerfile passes dockerfile-utils\' validator (the linter of VS Code\'s Docker extension) with no finding', () => {
  assert.deepEqual(validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`), []);
});

test('node:20-bookworm-slim, npm ci from the committed lock with the onnxruntime download skipped, a non-root user', () => {
  assert.deepEqual(of('FROM').map(args), [['node:20-bookworm-slim']]);
  const env = Object.fromEntries(of('ENV').flatMap((i) => args(i).map((a) => a.split('='))));
  assert.equal(env.ONNXRUNTIME_NODE_INSTALL, 'skip');
  const copies = of('COPY').map(args);
  const lockCopy = copies.findIndex((c) => c.includes('package-lock.json'));
  const install = instructions.findIndex((i) => i.getKeyword() === 'RUN' && /\bnpm ci\b/.test(args(i).join(' ')));
  assert.ok(lockCopy >= 0 && install >= 0, 'COPY package-lock.json and RUN npm ci');
  assert.ok(instructions.indexOf(of('COPY')[lockCopy]) < install, 'the lock is copied before npm ci runs');
  assert.ok(!args(instructions[install]).includes('install'), 'npm ci, never npm install');
  assert.deepEqual(entryFiles()[0], 'worker/main.ts', "the image's own command runs the worker");
  const users = of('USER').map((i) => args(i)[0]);
  assert.ok(users.length > 0 && !['root', '0'].includes(users.at(-1)!), `the image runs as ${users.at(-1) ?? 'root'}`);
  for (const source of copies.flatMap((c) => c.slice(0, -1)).filter((s) => s !== '.')) {
    assert.ok(existsSync(join(PROJECT_ROOT, source)), `COPY ${source}: not in the repository`);
    assert.ok(!ignored.ignores(source), `COPY ${source}: left out by .dockerignore`);
  }
});

test('the image holds every file its commands reach, and every package they import is a production dependency', () => {
  const entries = entryFiles();
  assert.ok(entries.includes('worker/main.ts') && entries.includes('triggers/servingMain.ts'), `entries: ${entries.join(', ')}`);
  // The worker bundles the workflow code at start-up, from workflows/index.ts.
  const graph = importGraph(PROJECT_ROOT, [...entries, 'workflows/index.ts']);
  assert.deepEqual(graph.unresolved, [], 'imports of files that do not exist');
  assert.deepEqual(graph.files.filter((f) => ignored.ignores(f)), [], 'files the image needs but .dockerignore leaves out');
  // npm ci --omit=dev installs exactly the lock's entries not marked dev.
  const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const notInstalled = [...graph.packages].filter(([name]) => {
    const entry = lock.packages[`node_modules/${name}`];
    return !entry || entry.dev === true;
  });
  assert.deepEqual(notInstalled.map(([name, by]) => `${name} (imported by ${by})`), [], 'packages npm ci --omit=dev does not install');
  // `node --import tsx` runs the sources.
  assert.ok(lock.packages['node_modules/tsx'] && lock.packages['node_modules/tsx'].dev !== true, 'tsx is a production dependency');
});

test('.dockerignore leaves out installed packages, state, tools, secrets and tests, but not the sources', () => {
  for (const path of ['node_modules/x', '.state/x', '.tools/bin/temporal', '.scratch/x', '.env', '.git/HEAD', 'test/fixtures/tiny-classifier.onnx']) {
    assert.ok(ignored.ignores(path), `${path} would be copied into the image`);
  }
  for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'lib/config/env.ts', 'examples', 'Dockerfile']) {
    assert.ok(!ignored.ignores(path), `${path} would be left out of the image`);
  }
});
