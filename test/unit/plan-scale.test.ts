// Plans at scale: 10,000-step chains and joins planned and checked without deep recursion, pages that round-trip, limits named.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { parsePipeline, PipelineError } from '../../lib/config/pipeline.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { checkDefinition, type CheckedDefinition } from '../../lib/steps/check.js';
import { planPage, PLAN_PAGE } from '../../lib/steps/compactPlan.js';
import { expandPages } from '../../workflows/planPages.js';
import { fromRanges, toRanges } from '../../workflows/carry.js';

let module: string;
before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mlcycle-plan-scale-'));
  module = join(dir, 'steps.ts');
  await writeFile(module, `import { defineStep, z } from ${JSON.stringify(join(PROJECT_ROOT, 'lib/steps/define.ts'))};
export const noop = defineStep({ name: 'noop', description: 'x', config: z.object({ n: z.number().optional() }).strict(), async run() { return {}; } });
export const slow = defineStep({ name: 'slow', description: 'x', async run() { return {}; } });
`);
});

const id = (i: number): string => `s${i}`;
const chain = (n: number) => Array.from({ length: n }, (_, i) => ({ id: id(i), uses: 'noop', needs: i ? [id(i - 1)] : [], with: i % 7 ? {} : { n: i } }));
const check = (steps: unknown[], extra: Record<string, unknown> = {}): Promise<CheckedDefinition> =>
  checkDefinition(parsePipeline({ name: 'big', modules: [module], steps, ...extra }, 'test', '/'));

test('a 10,000-step chain is planned in order, and a join of 9,999 needs waits for all of them', async () => {
  const t0 = performance.now();
  const checked = await check(chain(10_000));
  assert.ok(performance.now() - t0 < 10_000, 'planned in seconds, not minutes');
  assert.deepEqual(checked.plan.steps.map((s) => s.id).slice(0, 3), ['s0', 's1', 's2']);
  assert.equal(checked.plan.steps.at(-1)?.id, 's9999');

  const fan = [{ id: 'root', uses: 'noop', needs: [] }, ...Array.from({ length: 9998 }, (_, i) => ({ id: id(i), uses: 'noop', needs: ['root'] }))];
  const joined = await check([...fan, { id: 'join', uses: 'noop', needs: fan.slice(1).map((s) => s.id) }]);
  assert.equal(joined.plan.steps.at(-1)?.id, 'join');
  assert.equal(joined.plan.steps.at(-1)?.needs.length, 9998);
});

test('a cycle through 10,000 steps is found and named (no recursion to overflow)', async () => {
  const steps = chain(10_000);
  steps[0].needs = [id(9999)];
  const err = await check(steps).then(() => assert.fail('refused'), (e: unknown) => e);
  assert.ok(err instanceof PipelineError);
  assert.match(err.message, /steps: the steps form a cycle: s\d+ → s\d+ → /);
});

test('steps ready together start in declaration order (the tie rule), whatever the size', async () => {
  const steps = [{ id: 'z', uses: 'noop', needs: [] }, { id: 'a', uses: 'noop', needs: [] }, { id: 'm', uses: 'noop', needs: ['z'] }, { id: 'b', uses: 'noop', needs: [] }];
  assert.deepEqual((await check(steps)).plan.steps.map((s) => s.id), ['z', 'a', 'm', 'b']);
});

test('the plan in pages: each page small, and the pages give back the planned steps (a user step\'s with stays in the definition)', async () => {
  const checked = await check(chain(4500), { parallel: { max: 50, perUses: { noop: 10 } } });
  const pages = [0, PLAN_PAGE, 2 * PLAN_PAGE].map((offset) => planPage(checked.plan, offset));
  assert.deepEqual(pages.map((p) => p.steps.length), [2000, 2000, 500]);
  for (const p of pages) assert.ok(JSON.stringify(p).length < 150_000, `a page is ${JSON.stringify(p).length} bytes`);
  assert.deepEqual(pages[0].parallel, { max: 50, perUses: { noop: 10 } });
  const back = expandPages(pages);
  assert.deepEqual(back.map((s) => [s.id, s.needs, s.timeoutSeconds, s.retry]), checked.plan.steps.map((s) => [s.id, s.needs, s.timeoutSeconds, s.retry]));
  assert.ok(back.every((s) => Object.keys(s.config).length === 0));
});

test('ranges carry a finished set compactly, and give it back', () => {
  const set = [0, 1, 2, 3, 7, 9, 10, 11, 500];
  assert.deepEqual(toRanges(set), [0, 3, 7, 7, 9, 11, 500, 500]);
  assert.deepEqual(fromRanges(toRanges(set)), set);
  assert.equal(toRanges(Array.from({ length: 10_000 }, (_, i) => i)).length, 2);
});

test('limits are named: more than 10,000 steps, parallel outside 1–2,000, a perUses no step uses, a local step with a task queue or a long timeout', async () => {
  const over = () => parsePipeline({ name: 'big', modules: [module], steps: chain(10_001) }, 'test', '/');
  assert.throws(over, /steps: .*10000/);
  assert.throws(() => parsePipeline({ name: 'p', modules: [module], steps: chain(2), parallel: { max: 2001 } }, 'test', '/'), /parallel\.max/);
  const unknown = await check(chain(2), { parallel: { perUses: { nope: 1 } } }).then(() => assert.fail('refused'), (e: unknown) => e);
  assert.match(String((unknown as Error).message), /parallel\.perUses\.nope: no step of this pipeline uses "nope"/);
  assert.throws(() => parsePipeline({ name: 'p', modules: [module], steps: [{ id: 'a', uses: 'noop', local: true, taskQueue: 'gpu' }] }, 'test', '/'), /steps\.0\.taskQueue: a local step runs in the workflow's worker/);
  assert.throws(() => parsePipeline({ name: 'p', modules: [module], steps: [{ id: 'a', uses: 'noop', local: true, timeoutSeconds: 900 }] }, 'test', '/'), /steps\.0\.timeoutSeconds: a local step must finish within 300 s/);
  const local = await check([{ id: 'a', uses: 'slow', local: true }]);
  assert.equal(local.plan.steps[0].timeoutSeconds, 60, 'a local step without a timeout gets 60 s, not the 600 s of a user step');
  assert.equal(local.plan.steps[0].local, true);
});
