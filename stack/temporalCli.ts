// Finds the Temporal CLI (TEMPORAL_CLI, PATH, the project's tools folder) or builds it there with Go.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

function executable(path: string): boolean {
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

/** The CLI already on this machine, or null. */
export function findTemporalCli(projectRoot: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.TEMPORAL_CLI) {
    if (!executable(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    return env.TEMPORAL_CLI;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  const local = join(toolsBinDir(projectRoot), 'temporal');
  return executable(local) ? local : null;
}

export function goAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Builds the CLI into `<root>/.tools/bin` with `go install`. The first build takes minutes (later ones hit
 * Go's cache); `onProgress` hears every line go prints, plus a tick every 5 s so the user sees it is alive.
 */
export async function buildTemporalCli(projectRoot: string, onProgress: (line: string) => void): Promise<string> {
  const bin = toolsBinDir(projectRoot);
  const started = Date.now();
  const child = spawn('go', ['install', '-v', TEMPORAL_CLI_MODULE], {
    env: { ...process.env, GOBIN: bin, GOFLAGS: '-mod=mod' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let packages = 0;
  let tail = '';
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      packages++;
      tail = (tail + '\n' + line).slice(-2000);
      if (line.startsWith('go: downloading')) onProgress(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const ticker = setInterval(() => {
    onProgress(`building the Temporal CLI: ${Math.round((Date.now() - started) / 1000)} s, ${packages} packages so far`);
  }, 5000);
  try {
    const code = await new Promise<number | null>((done, fail) => {
      child.on('error', fail);
      child.on('close', done);
    });
    if (code !== 0) throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${code}):${tail}`);
  } finally {
    clearInterval(ticker);
  }
  const path = join(bin, 'temporal');
  if (!existsSync(path)) throw new Error(`go install finished but ${path} is missing`);
  return path;
}

/**
 * The CLI to run: found, or built with Go. Null when neither works: the caller then falls back to the
 * SDK's own download (machines with internet).
 */
export async function ensureTemporalCli(projectRoot: string, onProgress: (line: string) => void): Promise<string | null> {
  const found = findTemporalCli(projectRoot);
  if (found) return found;
  if (!goAvailable()) return null;
  onProgress(`Temporal CLI not found: building ${TEMPORAL_CLI_MODULE} into ${toolsBinDir(projectRoot)} (first time only)`);
  return buildTemporalCli(projectRoot, onProgress);
}
