// `mlcycle init <dir>`: a new pipeline folder (definition, one user step, its test, package.json) that runs as generated.
import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdtemp, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../lib/config/env.js';

const STARTER = join(PROJECT_ROOT, 'examples', 'starter');
const DATA = join(PROJECT_ROOT, 'examples', 'seattle-weather', 'train-2012-2013.csv');
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class InitError extends Error {
  override name = 'InitError';
}

export interface InitOptions {
  name?: string;
  /** Run `npm install` in the folder (links mlcycle from this checkout; no network needed). */
  install: boolean;
  log(line: string): void;
}

/** Writes the folder in a temporary sibling and moves it into place at the end: a failure leaves nothing half-written. */
export async function initPipeline(dirArg: string, o: InitOptions): Promise<string> {
  const dir = resolve(dirArg);
  const name = o.name ?? basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!NAME.test(name)) throw new InitError(`"${name}" cannot name a pipeline (lowercase letters, digits and dashes, at most 63): pass --name`);
  const existing = await readdir(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err)));
  if (existing && existing.length > 0) throw new InitError(`${dir} is not empty (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}): init writes a new folder`);
  const work = await mkdtemp(join(dirname(dir), `.${basename(dir)}-init-`)).catch((err: Error) => {
    throw new InitError(`cannot write in ${dirname(dir)}: ${err.message}`);
  });
  try {
    const pipeline = JSON.parse(await readFile(join(STARTER, 'pipeline.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(work, 'pipeline.json'), `${JSON.stringify({ ...pipeline, name, data: { path: 'data.csv' } }, null, 2)}\n`);
    for (const file of ['steps.ts', 'steps.test.ts']) await cp(join(STARTER, file), join(work, file));
    await cp(DATA, join(work, 'data.csv'));
    const pkg = {
      name, private: true, type: 'module',
      scripts: { test: 'node --import mlcycle/register --test steps.test.ts', pipeline: 'mlcycle run pipeline.json' },
      dependencies: { mlcycle: `file:${PROJECT_ROOT}` },
    };
    await writeFile(join(work, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    o.log(`wrote pipeline.json (${name}), steps.ts, steps.test.ts, data.csv, package.json`);
    if (o.install) {
      o.log('npm install (links mlcycle from this checkout; offline)…');
      const npm = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: work, encoding: 'utf8' });
      if (npm.status !== 0) throw new InitError(`npm install failed in the new folder: ${(npm.stderr || npm.error?.message || '').trim().split('\n').slice(-3).join(' ')}`);
    }
    // mkdtemp made it private: the folder gets the permissions any new folder would.
    await chmod(work, 0o777 & ~process.umask());
    if (existing) await rmdir(dir);
    await rename(work, dir);
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

export function addInitCommand(program: Command): void {
  program
    .command('init <dir>')
    .description('a new pipeline folder: definition, one user step and its test, package.json (runs as generated)')
    .option('--name <name>', 'the pipeline name (default: the folder name)')
    .option('--no-install', 'do not run npm install (then run it yourself before npm test)')
    .action(async (dirArg: string, opts: { name?: string; install: boolean }) => {
      const dir = await initPipeline(dirArg, { name: opts.name, install: opts.install, log: (l) => console.log(`  ${l}`) });
      console.log(`\n${dir} is ready:\n  cd ${dir}\n  npm test                       # the step's test, no Temporal needed\n  npx mlcycle run pipeline.json  # the whole pipeline on the embedded stack`);
    });
}
