// The Python that runs bench/gbdt_peers.py: a venv in the git-ignored .tools/gbdt-py with LightGBM, scikit-learn and numpy pinned.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/env.js';

export const PEER_PACKAGES = ['lightgbm==4.7.0', 'scikit-learn==1.9.1', 'numpy==2.4.6'];
const VENV = join(PROJECT_ROOT, '.tools', 'gbdt-py');

function ok(python: string): boolean {
  return existsSync(python) && spawnSync(python, ['-c', 'import lightgbm, sklearn, numpy'], { stdio: 'ignore' }).status === 0;
}

/**
 * The venv's python when the peers import there; with `install`, makes the venv and pip-installs
 * the pinned peers first (about 20 s, needs the package index). Returns null (and why) otherwise.
 */
export function peerPython(install: boolean): { python: string | null; why: string } {
  const python = join(VENV, 'bin', 'python');
  if (ok(python)) return { python, why: '' };
  if (!install) return { python: null, why: `no ${VENV} with ${PEER_PACKAGES.join(' ')}` };
  const made = spawnSync('python3', ['-m', 'venv', VENV], { encoding: 'utf8' });
  if (made.status !== 0) return { python: null, why: `python3 -m venv ${VENV} failed: ${(made.stderr || String(made.error)).trim()}` };
  console.log(`installing ${PEER_PACKAGES.join(' ')} into ${VENV} …`);
  const pip = spawnSync(join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...PEER_PACKAGES], { encoding: 'utf8' });
  if (pip.status !== 0) return { python: null, why: `pip install failed: ${(pip.stderr || String(pip.error)).trim().split('\n').pop()}` };
  return ok(python) ? { python, why: '' } : { python: null, why: `the peers do not import in ${VENV}` };
}
