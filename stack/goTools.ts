// Go-built tools in the project's .tools/bin (Temporal CLI, server, SQL tool, Web UI): found, or built with `go install`.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';

export interface GoTool {
  /** The file name in .tools/bin (and on PATH). */
  bin: string;
  /** `module/path/cmd@version` for `go install`. */
  module: string;
  /** An environment variable that may name the binary instead. */
  envVar: string;
  /** What the user reads in progress lines. */
  title: string;
}

export function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function toolsBinDir(projectRoot: string): string {
  return resolve(projectRoot, '.tools', 'bin');
}

/** The tool already on this machine (its variable, PATH, the tools folder), or null. */
export function findGoTool(tool: GoTool, projectRoot: string, env: NodeJS.ProcessEnv = process.env, searchPath = true): string | null {
  const named = env[tool.envVar];
  if (named) {
    if (!executable(named)) throw new Error(`${tool.envVar}=${named} is not an executable file`);
    return named;
  }
  if (searchPath) {
    for (const dir of (env.PATH ?? '').split(delimiter)) {
      if (dir && executable(join(dir, tool.bin))) return join(dir, tool.bin);
    }
  }
  const local = join(toolsBinDir(projectRoot), tool.bin);
  return executable(local) ? local : null;
}

export function goAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/** `go env GOMODCACHE`: where `go install mod@version` left the module's files (schemas, configs). */
export function goModCache(): string {
  const out = spawnSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' });
  if (out.status !== 0 || !out.stdout.trim()) throw new Error('`go env GOMODCACHE` failed: is Go installed?');
  return out.stdout.trim();
}

/**
 * Builds the tool into `<root>/.tools/bin/<bin>` with `go install` (through a private GOBIN, since several Temporal
 * commands are all called `server`). The first build takes minutes, later ones hit Go's cache; `onProgress` hears
 * the modules go downloads and a tick every 5 s.
 */
export async function buildGoTool(tool: GoTool, projectRoot: string, onProgress: (line: string) => void): Promise<string> {
  const bin = toolsBinDir(projectRoot);
  await mkdir(bin, { recursive: true }); // a fresh clone has no .tools yet
  const gobin = await mkdtemp(join(resolve(projectRoot, '.tools'), `gobin-${tool.bin}-`));
  const started = Date.now();
  const child = spawn('go', ['install', '-v', tool.module], { env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  let tail = '';
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      lines++;
      tail = (tail + '\n' + line).slice(-2000);
      if (line.startsWith('go: downloading')) onProgress(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const ticker = setInterval(() => onProgress(`building ${tool.title}: ${Math.round((Date.now() - started) / 1000)} s, ${lines} packages so far`), 5000);
  try {
    const code = await new Promise<number | null>((done, fail) => {
      child.on('error', fail);
      child.on('close', done);
    });
    if (code !== 0) throw new Error(`go install ${tool.module} failed (exit ${code}):${tail}`);
    const built = readdirSync(gobin);
    if (built.length !== 1) throw new Error(`go install ${tool.module} left ${built.length} files in ${gobin}, expected one`);
    const path = join(bin, tool.bin);
    await rename(join(gobin, built[0]), path);
    return path;
  } finally {
    clearInterval(ticker);
    await rm(gobin, { recursive: true, force: true });
  }
}

/** The tool to run: found, or built with Go; without Go, an error saying what to install. */
export async function ensureGoTool(tool: GoTool, projectRoot: string, onProgress: (line: string) => void): Promise<string> {
  const found = findGoTool(tool, projectRoot, process.env, false);
  if (found) return found;
  if (!goAvailable()) throw new Error(`${tool.title} is not built and Go is not installed: install Go (1.24+), or set ${tool.envVar} to the binary`);
  onProgress(`${tool.title} not found: building ${tool.module} into ${toolsBinDir(projectRoot)} (first time only)`);
  const path = await buildGoTool(tool, projectRoot, onProgress);
  if (!existsSync(path)) throw new Error(`go install finished but ${path} is missing`);
  return path;
}
