// Child processes of the local cluster: each with its log file, a readiness probe, and a stop that escalates TERM → KILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  logDir: string;
  /** Polled until it resolves true; the process failing first, or the deadline, is an error naming the log. */
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Hears everything the process prints (stdout and stderr), from its first byte. */
  onOutput?: (text: string) => void;
}

const running = new Set<ManagedProcess>();
let exitHook = false;

/** However this process ends, its children go with it (they would hold ports and files otherwise). */
function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  });
}

async function tail(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.slice(-1500);
}

export async function startProcess(o: SpawnOptions): Promise<ManagedProcess> {
  installExitHook();
  await mkdir(o.logDir, { recursive: true });
  const logFile = join(o.logDir, `${o.name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(o.command, o.args, { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  if (o.onOutput) {
    const hear = o.onOutput;
    child.stdout?.on('data', (c: Buffer) => hear(c.toString()));
    child.stderr?.on('data', (c: Buffer) => hear(c.toString()));
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (err) => {
      log.write(`\n[mlcycle] could not start ${o.command}: ${err.message}\n`);
      resolve(`error: ${err.message}`);
    });
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const managed: ManagedProcess = {
    name: o.name, child, logFile, exited,
    stop: async (timeoutMs = 15_000) => {
      running.delete(managed);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
  running.add(managed);
  void exited.then(() => running.delete(managed));
  if (o.ready) {
    const deadline = Date.now() + (o.readyTimeoutMs ?? 60_000);
    let ended: number | string | null = null;
    void exited.then((code) => (ended = code));
    for (;;) {
      if (ended !== null) throw new Error(`${o.name} exited (${ended}) before it was ready; its log ${logFile} ends:\n${await tail(logFile)}`);
      if (await o.ready().catch(() => false)) break;
      if (Date.now() > deadline) {
        await managed.stop(2000);
        throw new Error(`${o.name} was not ready within ${o.readyTimeoutMs ?? 60_000} ms; its log ${logFile} ends:\n${await tail(logFile)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return managed;
}

/** An HTTP GET that answers 2xx (a readiness probe). */
export async function httpOk(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) }).catch(() => null);
  return res !== null && res.ok;
}
