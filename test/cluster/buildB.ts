// Build B for the upgrade test: a copy of this checkout whose lifecycle and rollout workflows start with a timer (a real command-order change).
import { cp, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/config/env.js';

const SKIP = new Set(['node_modules', '.git', '.state', '.tools', '.scratch', 'test', 'bench']);

/** The workflow functions B changes, and the timer B starts each with. */
export const CHANGED = [
  { file: 'workflows/lifecycle.ts', signature: 'export async function lifecycleWorkflow(' },
  { file: 'workflows/rollout.ts', signature: 'export async function rolloutWorkflow(' },
];
export const B_TIMER_SUMMARY = 'build B: upgrade marker';

/** Copies the sources (node_modules linked) and inserts `await sleep(…)` as the first command of each changed workflow. */
export async function makeBuildB(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mlcycle-build-b-'));
  await cp(PROJECT_ROOT, root, { recursive: true, filter: (src) => !SKIP.has(src.slice(PROJECT_ROOT.length).replace(/^\/+/, '').split('/')[0]) });
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
  for (const { file, signature } of CHANGED) {
    const path = join(root, file);
    const source = await readFile(path, 'utf8');
    const at = source.indexOf(signature);
    if (at < 0) throw new Error(`${file} no longer declares ${signature}: update test/cluster/buildB.ts`);
    const bodyStart = source.indexOf('{\n', source.indexOf('Promise<', at)) + 2;
    const changed =
      `import { sleep as buildBSleep } from '@temporalio/workflow';\n` +
      source.slice(0, bodyStart) +
      `  await buildBSleep('1 millisecond', { summary: '${B_TIMER_SUMMARY}' });\n` +
      source.slice(bodyStart);
    await writeFile(path, changed);
  }
  return root;
}
