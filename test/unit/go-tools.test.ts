// buildGoTool on a fresh clone (no .tools folder yet): it creates the folder and reports go's own error, never ENOENT.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildGoTool, goAvailable } from '../../stack/goTools.js';

test('a build into a project with no .tools folder makes the folder and names the module that failed', { skip: !goAvailable() && 'no go on this machine' }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'mlcycle-fresh-clone-'));
  const proxy = process.env.GOPROXY;
  process.env.GOPROXY = 'off'; // fail fast and offline: the module cannot be looked up
  try {
    const tool = { bin: 'nothing', module: 'example.invalid/mlcycle/nothing@v0.0.1', envVar: 'MLCYCLE_NOTHING', title: 'nothing' };
    await assert.rejects(buildGoTool(tool, root, () => {}), (err: Error) => {
      assert.match(err.message, /go install example\.invalid\/mlcycle\/nothing@v0\.0\.1 failed/);
      assert.doesNotMatch(err.message, /ENOENT/);
      return true;
    });
    assert.ok(existsSync(join(root, '.tools', 'bin')), '.tools/bin is made');
    assert.deepEqual(readdirSync(join(root, '.tools')), ['bin'], 'the private GOBIN is removed');
  } finally {
    if (proxy === undefined) delete process.env.GOPROXY;
    else process.env.GOPROXY = proxy;
    rmSync(root, { recursive: true, force: true });
  }
});
