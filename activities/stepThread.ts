// Inside a user step's thread: imports the step's module, runs it with a context whose progress, log and tables go through the parent.
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { fromArquero, toArquero } from '../lib/steps/arquero.js';
import { isStepError, type StepContext, type UserStep } from '../lib/steps/define.js';
import type { DatasetRef } from '../lib/steps/refs.js';
import type { Table } from '../lib/data/table.js';
import { postWebhook } from '../lib/webhooks/post.js';
import type { FromThread, IsolatedStepRequest, ThreadError, ToThread } from './stepIsolation.js';

const port = parentPort;
if (!port) throw new Error('stepThread.ts runs in a worker thread (see stepIsolation.ts)');

const waiting = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
let nextCall = 0;
let abort = new AbortController();

/** A table load or save, answered by the parent (which holds the artifact store). */
function call<T>(message: { type: 'load'; ref: DatasetRef } | { type: 'save'; table: Table; source?: string }): Promise<T> {
  const id = nextCall++;
  return new Promise<T>((resolve, reject) => {
    waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
    send({ ...message, id });
  });
}

function send(message: FromThread): void {
  port?.postMessage(message);
}

/** What crosses back of an error: its kind (a StepError, bad data, anything else) and words. */
function describe(err: unknown): ThreadError {
  if (isStepError(err)) return { kind: 'step', message: err.message, retryable: err.retryable };
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: e.name === 'DataError' ? 'data' : 'error', name: e.name, message: e.message, stack: e.stack };
}

const looksLikeStep = (v: unknown): v is UserStep => typeof v === 'object' && v !== null && 'run' in v && 'name' in v;

async function run(req: IsolatedStepRequest): Promise<void> {
  abort = new AbortController();
  const heapUsed = () => getHeapStatistics().used_heap_size;
  try {
    const href = `${pathToFileURL(req.module).href}${req.moduleHash ? `?v=${req.moduleHash.slice(0, 16)}` : ''}`;
    const exports = (await import(href)) as Record<string, unknown>;
    const step = Object.values(exports).find((v): v is UserStep => looksLikeStep(v) && v.name === req.uses);
    if (!step) throw new Error(`${req.module} exports no step named "${req.uses}"`);
    const ctx: StepContext = {
      ...req.context,
      progress: (message) => send({ type: 'progress', message: String(message) }),
      log: {
        info: (message) => send({ type: 'log', level: 'info', message: String(message) }),
        warn: (message) => send({ type: 'log', level: 'warn', message: String(message) }),
        error: (message) => send({ type: 'log', level: 'error', message: String(message) }),
      },
      signal: abort.signal,
      loadTable: async (ref) => toArquero(await call<Table>({ type: 'load', ref })),
      saveTable: async (table, o) => call<DatasetRef>({ type: 'save', table: fromArquero(table, o?.source ?? req.context.stepId), source: o?.source }),
      // Signed with the worker's MLCYCLE_WEBHOOK_SECRET (the thread has the worker's environment), as mlcycle's own POSTs.
      webhook: (url, event, o) => postWebhook(url, event, { timeoutMs: o?.timeoutMs, signal: abort.signal }),
    };
    const result = await step.run(ctx, { inputs: req.inputs, config: req.config });
    try {
      send({ type: 'done', result, heapUsed: heapUsed() });
    } catch (err) {
      throw new Error(`returned a value that cannot leave the step: ${(err as Error).message}`);
    }
  } catch (err) {
    send({ type: 'failed', error: describe(err), heapUsed: heapUsed() });
  }
}

port.on('message', (m: ToThread) => {
  if (m.type === 'run') void run(m.request);
  else if (m.type === 'abort') abort.abort(new Error('the step was cancelled'));
  else {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (!w) return;
    if (m.error !== undefined) w.reject(Object.assign(new Error(m.error.message), { name: m.error.name ?? 'Error' }));
    else w.resolve(m.value);
  }
});
