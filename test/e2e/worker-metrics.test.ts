// A worker process with MLCYCLE_WORKER_METRICS_ADDRESS serves the Temporal SDK's runtime metrics; a bad address stops it with a clear error.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { REPAIR_WORKFLOW, TASK_QUEUE } from '../../contracts/names.js';
import type { RepairInput } from '../../contracts/types.js';
import { eventually, freePort, startTestStack, type TestStack } from '../harness.js';
import { spawnWorker } from '../workerProcess.js';

let stack: TestStack;
const children: ChildProcess[] = [];

before(async () => {
  stack = await startTestStack({ worker: false });
});
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await stack?.teardown();
});

/** The metric names (without labels and histogram suffixes) a Prometheus text page holds, with the page. */
async function scrape(address: string): Promise<{ names: Set<string>; text: string }> {
  const res = await fetch(`http://${address}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  const names = new Set(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/[{ ]/)[0].replace(/_(bucket|sum|count)$/, '')));
  return { names, text };
}

test('the worker exposes task slots, schedule-to-start latency, sticky cache and poller metrics in Prometheus format', { timeout: 180_000 }, async () => {
  const address = `127.0.0.1:${await freePort()}`;
  await spawnWorker(stack, children, { MLCYCLE_WORKER_METRICS_ADDRESS: address });
  // Work for it: a repair round's workflow task (the metrics count from the poll: the run's outcome is not the point here).
  const input: RepairInput = { pipeline: null, dryRun: true };
  const handle = await stack.client.workflow.start(REPAIR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: `repair:metrics-test-${Date.now()}`, args: [input] });
  const wanted = [
    'temporal_worker_task_slots_available',
    'temporal_worker_task_slots_used',
    'temporal_workflow_task_schedule_to_start_latency',
    'temporal_sticky_cache_size',
    'temporal_num_pollers',
    'temporal_workflow_task_queue_poll_succeed',
  ];
  const { names, text } = await eventually('the runtime metrics after the run', 15_000, async () => {
    const page = await scrape(address);
    return wanted.every((n) => page.names.has(n)) ? page : null;
  }).catch(async (err: Error) => {
    const page = await scrape(address);
    throw new Error(`${err.message}; missing ${wanted.filter((n) => !page.names.has(n)).join(', ')}; have ${[...page.names].filter((n) => n.startsWith('temporal_')).join(', ')}`);
  });
  await handle.terminate('metrics seen').catch(() => undefined);
  for (const n of wanted) assert.ok(names.has(n), n);
  // Labelled by task queue and slot type, so an alert can say which queue starves.
  assert.match(text, /temporal_worker_task_slots_available\{[^}]*task_queue="mlcycle"[^}]*worker_type="WorkflowWorker"/);
  assert.match(text, /temporal_workflow_task_schedule_to_start_latency_bucket\{[^}]*task_queue="mlcycle"/);
});

test('a bad MLCYCLE_WORKER_METRICS_ADDRESS, or one already taken, stops the worker with an error naming it', { timeout: 180_000 }, async () => {
  await assert.rejects(
    spawnWorker(stack, children, { MLCYCLE_WORKER_METRICS_ADDRESS: 'localhost:9464' }),
    /worker exited early \(1\)[\s\S]*MLCYCLE_WORKER_METRICS_ADDRESS must be ip:port \(e\.g\. 127\.0\.0\.1:9464.*got "localhost:9464"/,
  );
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  try {
    await assert.rejects(spawnWorker(stack, children, { MLCYCLE_WORKER_METRICS_ADDRESS: `127.0.0.1:${port}` }), new RegExp(`worker exited early \\(1\\)[\\s\\S]*MLCYCLE_WORKER_METRICS_ADDRESS=127\\.0\\.0\\.1:${port}`));
  } finally {
    taken.close();
  }
});
