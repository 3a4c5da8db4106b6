// Pythons with clients from PyPI for protocol tests (tritonclient, kserve, the Temporal SDK): venvs in the git-ignored .tools, made on first use.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/env.js';

const VENV = join(PROJECT_ROOT, '.tools', 'py');
export const TRITONCLIENT = 'tritonclient[http]==2.73.0';
export const KSERVE = 'kserve==0.21.0';
export const TEMPORALIO = ['temporalio==1.35.0', 'cryptography==46.0.3'];

export function run(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.on('error', (err) => resolve({ status: -1, stdout, stderr: String(err) }));
  });
}

/** A venv's python with `pkg` installed (python3 -m venv, then pip install), made on first use and checked by importing `module`. */
async function pythonWith(venv: string, pkg: string | string[], module: string): Promise<string> {
  const python = join(venv, 'bin', 'python');
  const check = existsSync(python) ? await run(python, ['-c', `import ${module}`]) : null;
  if (check?.status === 0) return python;
  const made = await run('python3', ['-m', 'venv', venv]);
  if (made.status !== 0) throw new Error(`python3 -m venv ${venv} failed: ${made.stderr.trim()}`);
  const pkgs = typeof pkg === 'string' ? [pkg] : pkg;
  const installed = await run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...pkgs]);
  if (installed.status !== 0) throw new Error(`pip install ${pkgs.join(' ')} failed: ${installed.stderr.trim()}`);
  return python;
}

/** The venv's python, with tritonclient installed (about 20 s the first time). */
export function pythonWithTritonClient(): Promise<string> {
  return pythonWith(VENV, TRITONCLIENT, 'tritonclient.http');
}

/** A python with KServe's SDK (its v2 REST client) in a venv of its own, .tools/py-kserve (about 3 min, 450 MB the first time). */
export function pythonWithKserve(): Promise<string> {
  return pythonWith(join(PROJECT_ROOT, '.tools', 'py-kserve'), KSERVE, 'kserve');
}

/** A python with the official Temporal SDK and `cryptography` (the payload codec) in .tools/py-temporal (about 40 s, 100 MB the first time). */
export function pythonWithTemporal(): Promise<string> {
  return pythonWith(join(PROJECT_ROOT, '.tools', 'py-temporal'), TEMPORALIO, 'temporalio.client, cryptography');
}
