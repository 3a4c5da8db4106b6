// The files and packages a TypeScript entry point reaches at run time: relative imports and thread entry files (a URL of a .ts file relative to import.meta.url) followed, packages collected.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportGraph {
  /** Root-relative paths of every source file reached, sorted. */
  files: string[];
  /** Package names imported at run time (type-only imports left out), with a file that imports each. */
  packages: Map<string, string>;
  /** Relative imports that resolve to no file, as `file → specifier`. */
  unresolved: string[];
}

// Static imports and re-exports (type-only ones left out), bare side-effect imports, dynamic imports of a literal, and thread entry files.
const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"](\.{1,2}\/[^'"]+\.[cm]?[jt]s)['"]\s*,\s*import\.meta\.url/gm;

function resolveFile(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

/** The package a bare specifier names: `@scope/name` or `name`. */
export function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export function importGraph(root: string, entries: readonly string[]): ImportGraph {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const unresolved: string[] = [];
  const queue = entries.map((e) => resolve(root, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.[cm]?[jt]s$/.test(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('.')) {
        const target = resolveFile(file, spec);
        if (target) queue.push(target);
        else unresolved.push(`${relative(root, file)} → ${spec}`);
      } else if (!spec.startsWith('node:') && !isBuiltin(spec)) {
        const name = packageName(spec);
        if (!packages.has(name)) packages.set(name, relative(root, file));
      }
    }
  }
  return { files: [...seen].map((f) => relative(root, f)).sort(), packages, unresolved };
}
