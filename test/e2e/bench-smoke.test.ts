// Every bench runs at its smallest size (`npm run bench -- --smoke`): it starts, checks its answers against its peer, and ends.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BENCHES } from '../../bench/run.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

for (const b of BENCHES) {
  test(`bench ${b.name} --smoke runs and its answers agree with its peer`, { timeout: 180_000 }, async () => {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--import', 'tsx', b.file, '--smoke'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    assert.equal(code, 0, `${b.file} --smoke failed:\n${out.slice(-3000)}`);
    assert.ok(out.trim().length > 0, 'it printed its figures');
  });
}
