// A user step in its own thread: a spinning one stopped at its deadline, a leaking one at its heap limit, a cancelled one after its grace; the rest served meanwhile.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { IsolationStop, runIsolated, stepMemoryMb, stepThreads, ThreadStepError, type IsolatedStepRequest, type IsolationHost } from '../../activities/stepIsolation.js';
import type { DatasetRef } from '../../lib/steps/refs.js';
import type { Table } from '../../lib/data/table.js';

const NEIGHBOURS = join(PROJECT_ROOT, 'test/chaos/fixtures/neighbours.ts');
const CONTROL = join(PROJECT_ROOT, 'test/fixtures/steps/control.ts');

const request = (module: string, uses: string, config: unknown, stepId = uses): IsolatedStepRequest => ({
  module, uses, config, inputs: {}, context: { runId: 'r', pipeline: 'p', pipelineVersion: 'v', stepId, attempt: 2 },
});

function host(): IsolationHost & { heard: string[] } {
  const heard: string[] = [];
  const saved: Table[] = [];
  return {
    heard,
    progress: (m: string) => void heard.push(m),
    log: () => undefined,
    loadTable: async (ref: DatasetRef) => saved[Number(ref.id)],
    saveTable: async (t: Table, source: string | undefined) => {
      saved.push(t);
      return { id: String(saved.length - 1), uri: 'memory:', rows: t.rows, columns: [], source: source ?? '', profileUri: '' };
    },
  };
}

const limits = (ms: number, memoryMb = 1024, signal = new AbortController().signal) => ({ deadline: Date.now() + ms, signal, memoryMb, graceMs: 300 });

test('a spinning step is stopped at its deadline and a leaking one at its heap limit, while a third completes and the event loop keeps turning', async () => {
  let turns = 0;
  const ticker = setInterval(() => turns++, 50);
  const started = Date.now();
  try {
    const [spin, leak, tick] = await Promise.allSettled([
      runIsolated(request(NEIGHBOURS, 'spin', { seconds: 60 }), host(), limits(1500)),
      runIsolated(request(NEIGHBOURS, 'leak', { megabytes: 4000, mbPerTick: 8 }), host(), limits(30_000, 64)),
      (async () => {
        await new Promise((r) => setTimeout(r, 300));
        const h = host();
        return { result: await runIsolated(request(NEIGHBOURS, 'tick', {}, 'b'), h, limits(10_000)), progress: h.heard };
      })(),
    ]);
    assert.equal(spin.status, 'rejected');
    assert.ok(spin.reason instanceof IsolationStop && spin.reason.reason === 'timeout', String(spin.status === 'rejected' && spin.reason));
    assert.equal(leak.status, 'rejected');
    assert.ok(leak.reason instanceof IsolationStop && leak.reason.reason === 'memory', String(leak.status === 'rejected' && leak.reason));
    assert.match(leak.reason.message, /heap passed the limit of 64 MB/);
    assert.equal(tick.status, 'fulfilled');
    assert.deepEqual(tick.value, { result: { summary: 'b done at attempt 2' }, progress: ['b working'] });
    // The main thread was never blocked: its 50 ms timer fired all along.
    assert.ok(turns >= ((Date.now() - started) / 50) * 0.5, `${turns} timer turns in ${Date.now() - started} ms`);
  } finally {
    clearInterval(ticker);
  }
});

test('a cancelled step that ignores its signal is stopped after its grace; one that heeds it returns', async () => {
  const spinAbort = new AbortController();
  const spinning = runIsolated(request(NEIGHBOURS, 'spin', { seconds: 60 }), host(), limits(30_000, 1024, spinAbort.signal));
  setTimeout(() => spinAbort.abort(), 200);
  await assert.rejects(spinning, (e: unknown) => e instanceof IsolationStop && e.reason === 'cancelled');

  const waitAbort = new AbortController();
  const marker = join(tmpdir(), `mlcycle-isolation-cancel-${process.pid}`);
  const waiting = runIsolated(request(CONTROL, 'wait-for-cancel', { marker, maxSeconds: 20 }), host(), { ...limits(30_000, 1024, waitAbort.signal), graceMs: 5000 });
  setTimeout(() => waitAbort.abort(), 500);
  assert.deepEqual(await waiting, { summary: 'cancelled' });
  assert.equal(await readFile(marker, 'utf8'), 'cancelled at attempt 2');
  await rm(marker, { force: true });
});

test("a step's own errors cross back with their kind: a StepError keeps its retryability", async () => {
  await assert.rejects(runIsolated(request(CONTROL, 'fail-soon', { afterMs: 0 }), host(), limits(10_000)), (e: unknown) => {
    assert.ok(e instanceof ThreadStepError);
    assert.deepEqual(e.error, { kind: 'step', message: 'this step always fails', retryable: false });
    return true;
  });
  await assert.rejects(runIsolated(request(CONTROL, 'no-such-step', {}), host(), limits(10_000)), /exports no step named "no-such-step"/);
});

test('steps beyond MLCYCLE_STEP_THREADS wait for a thread; the wait counts against their deadline', async () => {
  const before = process.env.MLCYCLE_STEP_THREADS;
  process.env.MLCYCLE_STEP_THREADS = '1';
  try {
    const first = runIsolated(request(NEIGHBOURS, 'spin', { seconds: 60 }), host(), limits(1200));
    const queued = runIsolated(request(NEIGHBOURS, 'tick', {}), host(), limits(600));
    const after = runIsolated(request(NEIGHBOURS, 'tick', {}, 'after'), host(), limits(10_000));
    await assert.rejects(queued, (e: unknown) => e instanceof IsolationStop && e.reason === 'timeout' && /waiting for a thread/.test(e.message));
    await assert.rejects(first, (e: unknown) => e instanceof IsolationStop && e.reason === 'timeout');
    assert.deepEqual(await after, { summary: 'after done at attempt 2' });
  } finally {
    if (before === undefined) delete process.env.MLCYCLE_STEP_THREADS;
    else process.env.MLCYCLE_STEP_THREADS = before;
  }
});

test('MLCYCLE_STEP_MEMORY_MB and MLCYCLE_STEP_THREADS: whole numbers, with defaults', () => {
  assert.equal(stepThreads({ MLCYCLE_STEP_THREADS: '8' }), 8);
  assert.ok(stepThreads({}) >= 4);
  assert.throws(() => stepThreads({ MLCYCLE_STEP_THREADS: '0' }), /MLCYCLE_STEP_THREADS must be an integer/);
  assert.equal(stepMemoryMb({}), 1024);
  assert.equal(stepMemoryMb({ MLCYCLE_STEP_MEMORY_MB: '256' }), 256);
  assert.throws(() => stepMemoryMb({ MLCYCLE_STEP_MEMORY_MB: '1.5' }), /MLCYCLE_STEP_MEMORY_MB must be an integer/);
});
