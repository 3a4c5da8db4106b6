// The engine at scale: 1,000 steps across continued runs, every transition shown once; ids of the maximum length in parallel; parallel limits.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { PipelineInput } from '../../lib/config/pipeline.js';
import { stepRunsOf } from '../../lib/store/stepResults.js';
import type { LifecycleResult } from '../../contracts/types.js';
import { startLifecycle } from '../../triggers/client.js';
import { followRun } from '../../triggers/progress.js';
import { startTestStack, type TestStack } from '../harness.js';
import { replayAll } from '../historyCorpus.js';
import { recordHistory } from '../histories.js';

let stack: TestStack;
let dir: string;
let module: string;

before(async () => {
  stack = await startTestStack();
  dir = await mkdtemp(join(tmpdir(), 'mlcycle-scale-'));
  module = join(dir, 'steps.ts');
  await writeFile(
    module,
    `import { appendFileSync } from 'node:fs';
import { defineStep, z } from ${JSON.stringify(join(PROJECT_ROOT, 'lib/steps/define.ts'))};
export const noop = defineStep({ name: 'noop', description: 'does nothing', async run() { return { summary: '' }; } });
const hold = (name: string) => defineStep({
  name, description: 'holds for a while, logging its start and end', cache: false, config: z.object({ ms: z.number(), log: z.string() }),
  async run(ctx, { config }) {
    appendFileSync(config.log, ctx.stepId + ' start ' + Date.now() + '\\n');
    await new Promise((r) => setTimeout(r, config.ms));
    appendFileSync(config.log, ctx.stepId + ' end ' + Date.now() + '\\n');
    return { summary: 'held' };
  },
});
export const flaky = defineStep({
  name: 'flaky', description: 'fails its first attempts when told to, logging each attempt', cache: false,
  config: z.object({ failAttempts: z.number(), log: z.string() }),
  async run(ctx, { config }) {
    appendFileSync(config.log, ctx.stepId + ' ' + ctx.attempt + '\\n');
    if (ctx.attempt <= config.failAttempts) throw new Error('attempt ' + ctx.attempt + ' failed on purpose');
    return { summary: 'ok at attempt ' + ctx.attempt };
  },
});
export const holdA = hold('hold-a');
export const holdB = hold('hold-b');
`,
  );
});
after(async () => {
  delete process.env.MLCYCLE_CONTINUE_AS_NEW_EVENTS;
  await stack?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function pipeline(name: string, steps: NonNullable<PipelineInput['steps']>, extra: Partial<PipelineInput> = {}): PipelineInput {
  return { name, modules: [module], steps, ...extra } as PipelineInput;
}

/** A seeded random DAG: step i needs 1–3 earlier steps. */
function randomDag(n: number, seed: number): NonNullable<PipelineInput['steps']> {
  let x = seed;
  const next = (): number => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const id = (i: number): string => `s${String(i).padStart(4, '0')}`;
  return Array.from({ length: n }, (_, i) => {
    const needs = i === 0 ? [] : [...new Set(Array.from({ length: 1 + Math.floor(next() * 3) }, () => id(Math.floor(next() * i))))];
    return { id: id(i), uses: 'noop', needs, with: {}, local: true };
  });
}

async function runsOf(workflowId: string): Promise<{ runId: string; events: number }[]> {
  const runs: { runId: string; events: number }[] = [];
  for await (const w of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.push({ runId: w.runId, events: w.historyLength ?? 0 });
  return runs;
}

const count = (lines: string[], re: RegExp): Map<string, number> => {
  const seen = new Map<string, number>();
  for (const l of lines) {
    const m = re.exec(l);
    if (m) seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
  }
  return seen;
};

test('1,000 steps of a random DAG complete across continued runs; the follower shows each start and end once; a rerun reuses all at once', async () => {
  process.env.MLCYCLE_CONTINUE_AS_NEW_EVENTS = '600';
  const definition = pipeline('scale-random', randomDag(1000, 7));
  const run = await startLifecycle(stack, definition, { reason: 'scale test', noCache: true });
  const lines: string[] = [];
  const result = (await followRun(run.handle, (l) => lines.push(l))) as LifecycleResult;
  assert.equal(result.steps.length, 500, 'the result lists the first 500 steps');
  assert.equal(result.stepsOmitted, 500);

  const runs = await runsOf(run.workflowId);
  assert.ok(runs.length >= 2, `the run continued as new (${runs.length} runs)`);
  for (const r of runs) assert.ok(r.events < 3000, `each history stays bounded: ${r.events} events`);
  const started = count(lines, /^→ (s\d{4}): running$/);
  const ended = count(lines, /^→ (s\d{4}): done$/);
  assert.equal(started.size, 1000, `${started.size} steps shown starting`);
  assert.equal(ended.size, 1000, `${ended.size} steps shown ending`);
  assert.ok([...started.values(), ...ended.values()].every((n) => n === 1), 'each transition shown exactly once');
  const records = await stepRunsOf(stack.db, run.workflowId);
  assert.equal(records.length, 1000);
  assert.equal(new Set(records.filter((r) => r.status === 'executed').map((r) => r.stepId)).size, 1000, 'every step executed once');

  // Every run of the chain replays on this code: local steps resolved in batches give the same commands as they did live.
  const histories = await Promise.all(runs.map(async (r) => ({ name: r.runId, workflowId: run.workflowId, history: await stack.client.workflow.getHandle(run.workflowId, r.runId).fetchHistory() })));
  const replayed = await replayAll(histories);
  for (const [name, error] of replayed) assert.equal(error, undefined, `run ${name} replays: ${String(error)}`);

  await recordHistory(stack.client, run.workflowId, run.runId, 'lifecycle-continued-as-new', {
    about: 'the first run of a 1,000-step DAG of local steps: planned in pages, steps as local activities, a yield, then continued as new with its carry',
    outcome: 'continued-as-new', events: ['MARKER_RECORDED', 'TIMER_STARTED'],
  });

  const rerun = await startLifecycle(stack, definition, { reason: 'scale rerun', rerun: true });
  const relines: string[] = [];
  await followRun(rerun.handle, (l) => relines.push(l));
  const reused = count(relines, /^→ (s\d{4}): reused from /);
  assert.equal(reused.size, 1000);
  assert.ok([...reused.values()].every((n) => n === 1));
  const again = await stepRunsOf(stack.db, rerun.workflowId);
  assert.deepEqual([...new Set(again.map((r) => r.status))], ['reused']);
  const history = await rerun.handle.fetchHistory();
  assert.equal((history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).length, 0, 'no step ran: the memoized DAG was resolved by the engine at once');
  assert.ok((history.events ?? []).length < 60, `a memoized rerun of 1,000 steps is a short history (${history.events?.length} events)`);
  delete process.env.MLCYCLE_CONTINUE_AS_NEW_EVENTS;
});

test('50 steps with ids of the maximum length run in parallel: the run completes and MlcycleStep stays bounded, counting the rest', async () => {
  const log = join(dir, 'long.log');
  const long = (i: number): string => `step-${String(i).padStart(2, '0')}-${'x'.repeat(63 - 8)}`;
  const steps = [
    { id: 'root', uses: 'noop', needs: [], with: {} },
    ...Array.from({ length: 50 }, (_, i) => ({ id: long(i), uses: 'hold-a', needs: ['root'], with: { ms: 1500, log } })),
    { id: 'join', uses: 'noop', needs: Array.from({ length: 50 }, (_, i) => long(i)), with: {} },
  ];
  assert.equal(long(0).length, 63);
  const run = await startLifecycle(stack, pipeline('scale-long-ids', steps), { reason: 'long ids' });
  const seen: string[] = [];
  const watching = (async () => {
    for (let i = 0; i < 40; i++) {
      const d = await run.handle.describe().catch(() => null);
      const v = d?.searchAttributes?.MlcycleStep?.[0];
      if (typeof v === 'string') seen.push(v);
      if (d?.status.name !== 'RUNNING') return;
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  // Over HTTP, a follower's cursor: counts and the first running steps, not 52 step states; a bad cursor is named.
  const url = `${stack.info.httpUrl}/v1/runs/${encodeURIComponent(run.workflowId)}`;
  let seenOverHttp = false;
  for (let i = 0; i < 50 && !seenOverHttp; i++, await new Promise((r) => setTimeout(r, 100))) {
    const body = (await (await fetch(`${url}?since=0`)).json()) as { progress: { total: number; events: unknown[]; counts: Record<string, number> } | null };
    if (!body.progress?.events.length) continue;
    assert.equal(body.progress.total, 52);
    assert.equal(Object.values(body.progress.counts).reduce((a, b) => a + b, 0), 52);
    seenOverHttp = true;
  }
  assert.ok(seenOverHttp, 'GET /v1/runs/:id?since=0 answered while the run ran');
  const bad = await fetch(`${url}?since=-1`);
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { message: string }).message, /^since: must be an event number ≥ 0/);
  const result = (await run.handle.result()) as LifecycleResult;
  await watching;
  assert.equal(result.steps.length, 52);
  assert.ok(seen.length > 0);
  for (const v of seen) assert.ok(Buffer.byteLength(v) <= 2048, `MlcycleStep is ${Buffer.byteLength(v)} bytes`);
  assert.ok(seen.some((v) => /^step-\d\d-x+(,step-\d\d-x+)*,… \(\+\d+ running\)$/.test(v)), `the attribute names the first steps and counts the rest: ${seen.join(' | ')}`);
});

test('parallel limits hold: at most `max` steps in flight, at most `perUses` of one kind', async () => {
  const log = join(dir, 'limits.log');
  const steps = Array.from({ length: 12 }, (_, i) => ({ id: `h${i}`, uses: i % 2 ? 'hold-b' : 'hold-a', needs: [], with: { ms: 400, log } }));
  const run = await startLifecycle(stack, pipeline('scale-limits', steps, { parallel: { max: 4, perUses: { 'hold-b': 1 } } } as Partial<PipelineInput>), { reason: 'limits' });
  await run.handle.result();
  const events = (await readFile(log, 'utf8')).trim().split('\n').map((l) => l.split(' ')).map(([id, what, at]) => ({ id, start: what === 'start', at: Number(at) }));
  events.sort((a, b) => a.at - b.at || (a.start ? 1 : -1));
  let all = 0;
  let b = 0;
  let peak = 0;
  let peakB = 0;
  for (const e of events) {
    const kindB = Number(e.id.slice(1)) % 2 === 1;
    all += e.start ? 1 : -1;
    if (kindB) b += e.start ? 1 : -1;
    peak = Math.max(peak, all);
    peakB = Math.max(peakB, b);
  }
  assert.equal(peak, 4, 'four steps ran at once, never more');
  assert.equal(peakB, 1, 'one hold-b at a time');
});

test('1,000 steps in flight keep their own retry policies: a step that fails once is retried, one that keeps failing stops at its bound', async () => {
  const log = join(dir, 'flaky.log');
  const fan = (name: string, failing: number) => pipeline(name, [
    { id: 'root', uses: 'noop', needs: [], with: {}, local: true },
    ...Array.from({ length: 1000 }, (_, i) => ({
      id: `f${i}`, uses: 'flaky', needs: ['root'], local: true, retry: { maximumAttempts: 2, initialIntervalSeconds: 0.1 },
      with: { failAttempts: i % 100 === 0 ? failing : 0, log },
    })),
  ], { parallel: { max: 1000, perUses: {} } } as Partial<PipelineInput>);
  const ok = await startLifecycle(stack, fan('scale-retries', 1), { reason: 'retries' });
  await ok.handle.result();
  const attempts = new Map<string, number[]>();
  for (const [step, attempt] of (await readFile(log, 'utf8')).trim().split('\n').map((l) => l.split(' '))) attempts.set(step, [...(attempts.get(step) ?? []), Number(attempt)]);
  assert.equal(attempts.size, 1000);
  for (const [step, seen] of attempts) assert.deepEqual(seen, Number(step.slice(1)) % 100 === 0 ? [1, 2] : [1], `${step} attempts`);

  await rm(log, { force: true });
  const bad = await startLifecycle(stack, fan('scale-retries-bound', 5), { reason: 'retries past the bound' });
  const err = await bad.handle.result().then(() => assert.fail('the run must fail'), (e: unknown) => e);
  assert.match(String((err as Error & { cause?: Error }).cause?.message), /^step "f\d+" \(flaky\) failed: attempt 2 failed on purpose/);
  const tries = (await readFile(log, 'utf8')).trim().split('\n').map((l) => l.split(' ')).filter(([step]) => Number(step.slice(1)) % 100 === 0);
  assert.ok(tries.every(([, attempt]) => Number(attempt) <= 2), 'no attempt past the bound of 2');
});
