// Bench helper: a Temporal dev server of the bench's own (in memory), for runs with dynamic config values the stack does not set.
import { spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../lib/config/env.js';
import { SEARCH_ATTRIBUTES } from '../contracts/names.js';
import { ensureTemporalCli } from '../stack/temporalCli.js';
import { freePort } from '../test/harness.js';

export interface BenchServer {
  address: string;
  stop(): Promise<void>;
}

/** `temporal server start-dev` with `--dynamic-config-value` for each KEY=JSON given; waits until its frontend answers. */
export async function startBenchServer(dynamicConfig: string[]): Promise<BenchServer> {
  const cli = await ensureTemporalCli(PROJECT_ROOT, () => undefined);
  if (!cli) throw new Error('no Temporal CLI (see NOTES: go install github.com/temporalio/cli/cmd/temporal@v1.5.1)');
  const port = await freePort();
  const args = [
    'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--namespace', 'default', '--log-level', 'warn',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, kind]) => ['--search-attribute', `${name}=${kind}`]),
    ...dynamicConfig.flatMap((kv) => ['--dynamic-config-value', kv]),
  ];
  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (c: Buffer) => (errors = (errors + c.toString()).slice(-2000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const kill = (): void => void child.kill('SIGTERM');
  process.once('exit', kill);
  const address = `127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 250))) {
    if (child.exitCode !== null) throw new Error(`the dev server exited: ${errors}`);
    const ok = await Connection.connect({ address, connectTimeout: 1000 }).then(async (c) => {
      await c.workflowService.getSystemInfo({});
      await c.close();
      return true;
    }, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the dev server did not answer within 60 s: ${errors}`);
    }
  }
  return {
    address,
    stop: async () => {
      process.removeListener('exit', kill);
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
