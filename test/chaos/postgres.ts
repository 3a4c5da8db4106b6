// A PostgreSQL the chaos suite runs itself, so it can stop it (fast shutdown), kill it (SIGKILL) and start it again on the same data.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../../stack/postgres.js';
import { bindable, freePort } from '../harness.js';

export interface ChaosPostgres {
  url: string;
  /** A fast shutdown (SIGINT to the postmaster: sessions ended, a checkpoint written). */
  stopFast(): Promise<void>;
  /** SIGKILL to the postmaster and every backend, as an out-of-memory kill of its container would: crash recovery at start. */
  kill(): Promise<void>;
  /** Starts it again on the same folder and port; resolves when it accepts connections. */
  start(): Promise<void>;
  teardown(): Promise<void>;
}

/** Process ids of the postmaster (first line of postmaster.pid) and its children (its backends and helpers). */
function serverPids(dataLink: string): number[] {
  const pid = Number(readFileSync(join(dataLink, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`postmaster.pid in ${dataLink} holds no process id`);
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((n) => n > 0);
  return [pid, ...children];
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function startChaosPostgres(): Promise<ChaosPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-chaos-pg-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const stateDir = join(dir, 'state');
  let running: RunningPostgres | null = await startEmbeddedPostgres(stateDir, port);
  const url = running.url;
  const waitPortFree = async (): Promise<void> => {
    for (let i = 0; i < 200 && !(await bindable(port)); i++) await new Promise((r) => setTimeout(r, 50));
  };
  return {
    url,
    stopFast: async () => {
      await running?.stop();
      running = null;
      await waitPortFree();
    },
    kill: async () => {
      const pids = serverPids(join(stateDir, 'postgres'));
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      for (let i = 0; i < 200 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 25));
      running = null;
      await waitPortFree();
    },
    start: async () => {
      if (running) throw new Error('the chaos PostgreSQL is already running');
      running = await startEmbeddedPostgres(stateDir, port);
    },
    teardown: async () => {
      await running?.stop().catch(() => undefined);
      running = null;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
