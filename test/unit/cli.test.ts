// The command line answers bad flags, arguments and environment with a clear message and exit code 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';

function mlcycle(args: string[], env: Record<string, string> = {}): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), ...args], {
    env: { ...process.env, MLCYCLE_STATE_DIR: join(PROJECT_ROOT, '.state/no-stack-here'), ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('an unknown pipeline is named', () => {
  const r = mlcycle(['run', 'no-such-pipeline']);
  assert.equal(r.code, 1);
  assert.match(r.out, /cannot read pipeline .*no-such-pipeline: no such file/);
});

test('run and status without a running stack say how to start one', () => {
  const r = mlcycle(['status']);
  assert.equal(r.code, 1);
  assert.match(r.out, /no running mlcycle stack: start one with `npx mlcycle dev`/);
});

test('bad flags and bad environment are refused', () => {
  const limit = mlcycle(['status', '--limit', 'lots']);
  assert.equal(limit.code, 1);
  assert.match(limit.out, /--limit.*must be a positive integer/);
  const port = mlcycle(['status'], { MLCYCLE_HTTP_PORT: 'eighty' });
  assert.equal(port.code, 1);
  assert.match(port.out, /MLCYCLE_HTTP_PORT must be a port number/);
  const unknown = mlcycle(['deploy-everything']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.out, /unknown command/);
});
