// A built-in step's code version: a content hash of the module graph of the files that implement it, computed once per process.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importGraph } from './moduleGraph.js';

/** The checkout (or installed package) whose files implement the built-in steps. */
export const CODE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export class CodeVersionError extends Error {
  override name = 'CodeVersionError';
}

/** The installed version of a package the graph imports: its package.json in the nearest node_modules, as Node finds it. */
function packageVersion(root: string, name: string): string {
  for (let dir = root; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) return String((JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version ?? 'no version');
    if (dirname(dir) === dir) return 'not installed';
  }
}

/**
 * sha256 over every file the entries reach at run time (path and content) and every package they import (name and
 * installed version); type-only imports are left out (they change no behaviour). An entry that does not exist, or an
 * import that resolves to no file, is an error: a version that silently left code out would let results of other code
 * be reused.
 */
export function moduleGraphHash(root: string, entries: readonly string[]): { hash: string; files: string[]; packages: string[] } {
  const missing = entries.filter((e) => !existsSync(join(root, e)));
  if (missing.length > 0) throw new CodeVersionError(`${missing.join(', ')} not found under ${root}`);
  const graph = importGraph(root, entries);
  if (graph.unresolved.length > 0) throw new CodeVersionError(`imports that resolve to no file: ${graph.unresolved.join('; ')}`);
  const packages = [...graph.packages.keys()].sort().map((name) => `${name}@${packageVersion(root, name)}`);
  const h = createHash('sha256');
  for (const file of graph.files) {
    h.update(`file ${file}\0`);
    // Line endings normalized: a checkout with CRLF (git's autocrlf) runs the same code.
    h.update(readFileSync(join(root, file), 'utf8').replace(/\r\n/g, '\n'));
    h.update('\0');
  }
  for (const p of packages) h.update(`package ${p}\0`);
  return { hash: h.digest('hex'), files: graph.files, packages };
}

const versions = new Map<string, string>();

/** `<name>@<12 hex digits>`: the first call per step hashes its files (a worker's start), later calls reuse it. */
export function builtinCodeVersion(name: string, implementedBy: readonly string[]): string {
  let version = versions.get(name);
  if (version === undefined) {
    try {
      version = `${name}@${moduleGraphHash(CODE_ROOT, implementedBy).hash.slice(0, 12)}`;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new CodeVersionError(`the code version of the built-in step "${name}" cannot be computed: ${why}`);
    }
    versions.set(name, version);
  }
  return version;
}
