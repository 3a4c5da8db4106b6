#!/usr/bin/env node
// npm's prepack/postpack: compile the exported TypeScript entry points to dist/ (JS + .d.ts) and point the packed package.json's "exports" at them.
//
// The checkout keeps "exports" at the .ts sources (tsx runs them; a `file:` link from `mlcycle init` resolves them too);
// Node cannot strip types inside node_modules, so the tarball's manifest names dist/ instead. `prepack` writes that
// manifest over package.json (the original kept in .pack-package.json) and `postpack` puts the original back, as
// pinst does; a prepack that finds a backup left by an interrupted pack restores it first.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifestPath = join(root, 'package.json');
const backupPath = join(root, '.pack-package.json');

function restore() {
  if (existsSync(backupPath)) renameSync(backupPath, manifestPath);
}

/** "./x.ts" → { types: "./dist/x.d.ts", default: "./dist/x.js" }; every other target stays as it is. */
export function packedExports(exports) {
  return Object.fromEntries(
    Object.entries(exports).map(([key, target]) => {
      if (typeof target !== 'string' || !target.endsWith('.ts')) return [key, target];
      const base = `./dist/${target.slice(2, -3)}`;
      return [key, { types: `${base}.d.ts`, default: `${base}.js` }];
    }),
  );
}

/** The packages the compiled entry points (and bin/register.js) import at run time: the bare specifiers in dist's .js files. */
function runtimePackages() {
  // tsx: bin/register.js (`mlcycle/register`); @uwdata/flechette: pins arquero's dependency to a version whose own dependencies install.
  const found = new Set(['tsx', '@uwdata/flechette']);
  const spec = /^\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const entry of readdirSync(join(root, 'dist'), { recursive: true })) {
    if (!String(entry).endsWith('.js')) continue;
    for (const m of readFileSync(join(root, 'dist', String(entry)), 'utf8').matchAll(spec)) {
      const name = m[1] ?? m[2];
      if (name.startsWith('.') || isBuiltin(name)) continue;
      found.add(name.split('/').slice(0, name.startsWith('@') ? 2 : 1).join('/'));
    }
  }
  return found;
}

/**
 * The client and step API need a few packages; the CLI, worker and serving app the rest (ONNX Runtime, embedded
 * Postgres, the AWS SDK…). Those become optionalDependencies: `npm install mlcycle` still installs everything (the
 * CLI works), `npm install mlcycle --omit=optional` installs what `mlcycle/client` and `mlcycle/steps` need.
 */
export function splitDependencies(dependencies, needed) {
  const missing = [...needed].filter((name) => !(name in dependencies));
  if (missing.length) throw new Error(`dist imports ${missing.join(', ')}, which package.json does not list in "dependencies"`);
  const required = Object.fromEntries(Object.entries(dependencies).filter(([name]) => needed.has(name)));
  const optional = Object.fromEntries(Object.entries(dependencies).filter(([name]) => !needed.has(name)));
  return { dependencies: required, optionalDependencies: optional };
}

function prepack() {
  restore();
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
  const entries = Object.values(manifest.exports).filter((t) => typeof t === 'string' && t.endsWith('.ts')).map((t) => t.slice(2));
  const missing = entries.filter((e) => !build.files.includes(e));
  if (missing.length) throw new Error(`tsconfig.build.json "files" lacks the exported ${missing.join(', ')}: add them`);
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('tsc -p tsconfig.build.json failed: nothing packed');
  writeFileSync(backupPath, readFileSync(manifestPath));
  const packed = { ...manifest, exports: packedExports(manifest.exports), ...splitDependencies(manifest.dependencies, runtimePackages()) };
  writeFileSync(manifestPath, `${JSON.stringify(packed, null, 2)}\n`);
}

const step = process.argv[2];
if (step === 'prepack') {
  try {
    prepack();
  } catch (err) {
    restore();
    console.error(`mlcycle pack: ${err.message}`);
    process.exit(1);
  }
} else if (step === 'postpack') {
  restore();
} else if (step !== undefined) {
  console.error(`mlcycle pack: unknown step "${step}" (prepack or postpack)`);
  process.exit(2);
}
