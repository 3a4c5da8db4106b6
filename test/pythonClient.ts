// A Python with tritonclient from PyPI for protocol tests: a venv in the git-ignored .tools/py, made on first use.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../lib/config/env.js';

const VENV = join(PROJECT_ROOT, '.tools', 'py');
export const TRITONCLIENT = 'tritonclient[http]==2.73.0';

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

/** The venv's python, with tritonclient installed (python3 -m venv, then pip install; about 20 s the first time). */
export async function pythonWithTritonClient(): Promise<string> {
  const python = join(VENV, 'bin', 'python');
  const check = existsSync(python) ? await run(python, ['-c', 'import tritonclient.http']) : null;
  if (check?.status === 0) return python;
  const made = await run('python3', ['-m', 'venv', VENV]);
  if (made.status !== 0) throw new Error(`python3 -m venv ${VENV} failed: ${made.stderr.trim()}`);
  const installed = await run(join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', TRITONCLIENT]);
  if (installed.status !== 0) throw new Error(`pip install ${TRITONCLIENT} failed: ${installed.stderr.trim()}`);
  return python;
}
