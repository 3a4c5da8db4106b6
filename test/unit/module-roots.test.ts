// A pipeline file's step modules must lie below its folder or a data root: the CLI refuses one outside before importing anything, as HTTP does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { resolvePipeline } from '../../triggers/client.js';
import { OutsideRoots } from '../../triggers/dataRoots.js';

let dir: string;
let example: Record<string, unknown>;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-module-roots-'));
  await mkdir(join(dir, 'project', 'steps'), { recursive: true });
  example = JSON.parse(await readFile(join(PROJECT_ROOT, 'examples/weather-steps/pipeline.json'), 'utf8')) as Record<string, unknown>;
  // A module outside the pipeline's folder that would leave a mark if it were ever imported.
  await writeFile(join(dir, 'outside.ts'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(join(dir, 'IMPORTED'))}, 'yes');\n`);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function pipelineWith(modules: string[]): Promise<string> {
  const file = join(dir, 'project', 'pipeline.json');
  await writeFile(file, JSON.stringify({ ...example, data: { path: join(PROJECT_ROOT, 'examples/weather-steps', (example.data as { path: string }).path) }, modules }));
  return file;
}

test('a module outside the pipeline folder and the data roots is refused by name; inside either, taken', async () => {
  await writeFile(join(dir, 'project', 'steps', 'a.ts'), '');
  const up = await pipelineWith(['steps/a.ts', '../outside.ts']);
  await assert.rejects(resolvePipeline(up, []), (err: Error) =>
    err instanceof OutsideRoots && err.statusCode === 403 && err.message === `the pipeline's modules[1] must be below a data root (${join(dir, 'project')}; MLCYCLE_DATA_ROOTS adds more)`);
  await assert.rejects(resolvePipeline(await pipelineWith(['/etc/passwd']), []), /modules\[0\] must be below a data root/);
  const inside = await resolvePipeline(await pipelineWith(['steps/a.ts', join(dir, 'outside.ts')]), [dir]);
  assert.deepEqual(inside.modules, [join(dir, 'project', 'steps', 'a.ts'), join(dir, 'outside.ts')], 'a module below a data root is taken');
});

test('the CLI says the same and imports nothing', async () => {
  const file = await pipelineWith(['../outside.ts']);
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), 'run', file, '--plan'], { encoding: 'utf8', env: { ...process.env, MLCYCLE_STATE_DIR: join(dir, 'state') } });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /the pipeline's modules\[0\] must be below a data root \(.*project, .*examples; MLCYCLE_DATA_ROOTS adds more\)/);
  await assert.rejects(readFile(join(dir, 'IMPORTED')), 'the module was never imported');
});
