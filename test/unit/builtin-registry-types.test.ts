// The compiler itself rejects a built-in registry that misses a name of BuiltinStepName or holds one outside it (checked by type-checking small sources).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { PROJECT_ROOT } from '../../lib/config/env.js';

/** Type-checks virtual files in workflows/ (so their imports resolve as the registry's do) in one program; the error messages of each. */
function typeErrors(sources: Record<string, string>): Record<string, string[]> {
  const files = new Map(Object.entries(sources).map(([name, text]) => [join(PROJECT_ROOT, 'workflows', `__registry_check_${name}.ts`), text]));
  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, skipLibCheck: true, types: ['node'] };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = files.get(f);
    return text !== undefined ? ts.createSourceFile(f, text, lang) : getSourceFile.call(host, f, lang, ...rest);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const names = Object.keys(sources);
  return Object.fromEntries([...files.keys()].map((f, i) => [
    names[i], ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
  ]));
}

const header = [
  "import type { BuiltinStepName } from '../lib/steps/catalog.js';",
  "import type { BuiltinRunner } from './steps/run.js';",
  'declare const r: BuiltinRunner;',
].join('\n');

const registry = (entries: string): string => `${header}\nexport const registry = { ${entries} } satisfies Record<BuiltinStepName, BuiltinRunner>;`;

test('a registry with every built-in compiles; one missing a built-in or with an unknown name does not', { timeout: 120_000 }, () => {
  const errors = typeErrors({
    all: registry('ingest: r, validate: r, optimize: r, package: r, rollout: r, approval: r'),
    missing: registry('ingest: r, validate: r, optimize: r, package: r, rollout: r'),
    extra: registry('ingest: r, validate: r, optimize: r, package: r, rollout: r, approval: r, deploy: r'),
  });
  assert.deepEqual(errors.all, []);
  assert.ok(errors.missing.some((m) => /Property 'approval' is missing/.test(m)), errors.missing.join('\n'));
  assert.ok(errors.extra.some((m) => /'deploy' does not exist/.test(m)), errors.extra.join('\n'));
});
