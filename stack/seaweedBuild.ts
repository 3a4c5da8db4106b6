// The SeaweedFS binary `weed`: found (MLCYCLE_WEED, PATH, .tools/bin) or built from a writable copy of its Go module.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { toolsBinDir } from './temporalCli.js';

/** `go install` refuses this module (its go.mod has replace directives): it is built from a copy of its source. */
export const SEAWEEDFS_MODULE = 'github.com/seaweedfs/seaweedfs';
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The `weed` binary already on this machine (MLCYCLE_WEED, PATH, <root>/.tools/bin/weed), or null. */
export function findWeed(projectRoot: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.MLCYCLE_WEED) {
    if (!executable(env.MLCYCLE_WEED)) throw new Error(`MLCYCLE_WEED=${env.MLCYCLE_WEED} is not an executable file`);
    return env.MLCYCLE_WEED;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, 'weed'))) return join(dir, 'weed');
  }
  const local = join(toolsBinDir(projectRoot), 'weed');
  return executable(local) ? local : null;
}

/** Runs a command, handing each output line to `onLine`; resolves with its stdout, rejects naming the command and its last lines. */
function run(cmd: string, args: string[], cwd: string, onLine: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, GOFLAGS: '-mod=mod' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let tail = '';
    const lines = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        tail = (tail + '\n' + line).slice(-2000);
        onLine(line);
      }
    };
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', lines);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):${tail}`))));
  });
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(path);
    else if (entry.isFile()) await chmod(path, 0o644);
  }
}

/**
 * Builds `weed` into <root>/.tools/bin: `go mod download` of the pinned module, a writable copy of it, `go build ./weed`
 * inside the copy (3–4 minutes the first time; later builds hit Go's cache). `onProgress` hears the modules go
 * downloads and a tick every 5 s.
 */
export async function buildWeed(projectRoot: string, onProgress: (line: string) => void): Promise<string> {
  const started = Date.now();
  let packages = 0;
  const ticker = setInterval(() => onProgress(`building SeaweedFS: ${Math.round((Date.now() - started) / 1000)} s, ${packages} packages so far`), 5000);
  const onLine = (line: string): void => {
    packages++;
    if (line.startsWith('go: downloading')) onProgress(line);
  };
  const src = join(projectRoot, '.tools', 'src', `seaweedfs@${SEAWEEDFS_VERSION}`);
  try {
    const json = await run('go', ['mod', 'download', '-json', `${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION}`], projectRoot, onLine);
    const { Dir, Error: failed } = JSON.parse(json) as { Dir?: string; Error?: string };
    if (!Dir) throw new Error(`go mod download ${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION} failed: ${failed ?? 'no module directory'}`);
    await rm(src, { recursive: true, force: true });
    await cp(Dir, src, { recursive: true });
    await makeWritable(src); // the module cache is read-only; the build writes beside the sources
    await mkdir(toolsBinDir(projectRoot), { recursive: true });
    const bin = join(toolsBinDir(projectRoot), 'weed');
    const tmp = `${bin}.${process.pid}.tmp`;
    await run('go', ['build', '-v', '-o', tmp, './weed'], src, onLine);
    await rename(tmp, bin);
    return bin;
  } finally {
    clearInterval(ticker);
    await rm(src, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The `weed` to run: found, or built with Go; without Go, an error saying what to install. */
export async function ensureWeed(projectRoot: string, onProgress: (line: string) => void): Promise<string> {
  const found = findWeed(projectRoot);
  if (found) return found;
  const go = await run('go', ['version'], projectRoot, () => undefined).catch(() => null);
  if (go === null) throw new Error('SeaweedFS (weed) is not built and Go is not installed: install Go (1.24+), or set MLCYCLE_WEED to a weed binary');
  onProgress(`SeaweedFS not found: building ${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION} into ${toolsBinDir(projectRoot)} (first time only)`);
  return buildWeed(projectRoot, onProgress);
}
