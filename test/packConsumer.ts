// An empty project that depends on a packed mlcycle: its package.json, and a lock file made from this repo's, so `npm install --offline` needs no registry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/env.js';

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

export interface PackedManifest {
  version: string;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  exports: Record<string, unknown>;
}

/** Where Node finds `name` from the package at `from` (a lock path like node_modules/a/node_modules/b): the nearest node_modules up. */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | null {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i >= 0 ? base.slice(0, i) : '';
  }
}

/**
 * A lock (v3) for a project depending on the tarball: the packed "dependencies" and everything they reach, at the
 * versions this repo locks (the ones `npm ci` put in the npm cache). Optional dependencies are listed in mlcycle's
 * entry but left out of the tree: installed with --omit=optional, npm does not look for them.
 */
export function consumerLock(tarball: string, manifest: PackedManifest): object {
  const repo = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const reached = new Set<string>();
  const queue = Object.keys(manifest.dependencies).map((name) => resolveIn(repo, '', name) ?? `(missing ${name})`);
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (reached.has(path)) continue;
    if (!repo[path]) throw new Error(`package-lock.json has no ${path}`);
    reached.add(path);
    const entry = repo[path];
    for (const name of [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {})]) {
      const target = resolveIn(repo, path, name);
      if (target) queue.push(target);
    }
  }
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { mlcycle: `file:${tarball}` } },
    'node_modules/mlcycle': { version: manifest.version, resolved: `file:${tarball}`, dependencies: manifest.dependencies, optionalDependencies: manifest.optionalDependencies ?? {} },
  };
  for (const path of [...reached].sort()) packages[path] = repo[path];
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}
