// A pipeline file's step modules must lie in its folder: the CLI refuses one outside it before importing anything, as HTTP does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { loadPipeline, PipelineError } from '../../lib/config/pipeline.js';

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

test('a module outside the pipeline folder is refused by name, a relative or absolute one inside is taken', async () => {
  const up = await pipelineWith(['steps/ok.ts', '../outside.ts']);
  await assert.rejects(loadPipeline(up), (err: Error) =>
    err instanceof PipelineError && err.message.includes(`modules.1: step module ${join(dir, 'outside.ts')} is outside the pipeline's folder ${join(dir, 'project')}`) && !err.message.includes('modules.0'));
  await assert.rejects(loadPipeline(await pipelineWith(['/etc/passwd'])), /modules\.0: step module \/etc\/passwd is outside the pipeline's folder/);
  const inside = await loadPipeline(await pipelineWith(['steps/a.ts', join(dir, 'project', 'steps', 'b.ts')]));
  assert.deepEqual(inside.modules, [join(dir, 'project', 'steps', 'a.ts'), join(dir, 'project', 'steps', 'b.ts')]);
});

test('the CLI says the same and imports nothing', async () => {
  const file = await pipelineWith(['../outside.ts']);
  const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), 'run', file, '--plan'], { encoding: 'utf8', env: { ...process.env, MLCYCLE_STATE_DIR: join(dir, 'state') } });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /modules\.0: step module .*outside\.ts is outside the pipeline's folder/);
  await assert.rejects(readFile(join(dir, 'IMPORTED')), 'the module was never imported');
});
