// The workflow bundle: built once per version of the workflow code and kept in node_modules/.cache, shared by every worker of this checkout.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PROJECT_ROOT } from '../lib/config/env.js';

const WORKFLOWS_DIR = fileURLToPath(new URL('../workflows/', import.meta.url));
/** What the bundle is built from: the workflows and the contracts they import. */
const BUNDLED_DIRS = [WORKFLOWS_DIR, fileURLToPath(new URL('../contracts/', import.meta.url))];
/** Where bundles are kept for every stack of this checkout (the dependencies' cache folder, as bundlers and linters use it). */
export const SHARED_BUNDLE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'mlcycle');

/** A hash of the workflow code (workflows/ and contracts/): the bundle's cache key and the default build id of a versioned worker. */
export function workflowSourceHash(): string {
  const hash = createHash('sha256');
  for (const dir of BUNDLED_DIRS) {
    // Relative names: two checkouts of the same code have the same hash.
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) hash.update(`${basename(dir)}/${f}`).update(readFileSync(join(dir, f)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Writes the bundle whole or not at all (a worker starting beside this one never reads half of it); false if `dir` is not writable. */
async function keep(dir: string, name: string, code: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true });
    const partial = join(dir, `${name}.${process.pid}.partial`);
    await writeFile(partial, code);
    await rename(partial, join(dir, name));
    return true;
  } catch {
    return false;
  }
}

/** The workflow bundle, rebuilt only when a workflow source file changes: from the shared cache, else `cacheDir` (the stack's own). */
export async function workflowBundle(cacheDir: string): Promise<WorkflowBundleWithSourceMap> {
  const name = `workflow-bundle-${workflowSourceHash()}.js`;
  for (const dir of [SHARED_BUNDLE_DIR, cacheDir]) {
    const path = join(dir, name);
    if (existsSync(path)) return { code: readFileSync(path, 'utf8'), sourceMap: '' } as WorkflowBundleWithSourceMap;
  }
  const bundle = await bundleWorkflowCode({ workflowsPath: join(WORKFLOWS_DIR, 'index.ts'), logger: quietBundlerLogger });
  if (!(await keep(SHARED_BUNDLE_DIR, name, bundle.code))) await keep(cacheDir, name, bundle.code);
  return bundle;
}

const noop = (): void => undefined;
const quietBundlerLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => process.stderr.write(`${m}\n`) };
