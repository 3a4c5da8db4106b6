// The demo's repair chapter: weather-steps notifies a service that is down; the run fails at that step, the service
// comes back, one repair round restarts the run from the failed step, and every step before it is reused.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import type { Stack } from '../stack/stack.js';
import { REPAIR_WORKFLOW, TASK_QUEUE } from '../contracts/names.js';
import type { RepairResult } from '../contracts/types.js';
import { completeResult, resolvePipeline, startLifecycle, type CompleteLifecycleResult } from './client.js';
import { followRun } from './progress.js';

export interface RepairStory {
  failedRunId: string;
  failure: string;
  round: RepairResult;
  healed: CompleteLifecycleResult;
}

/** A receiver that answers 204: "the service" that is down at first and comes back. */
function receiver(): { start(port: number): Promise<void>; stop(): Promise<void>; received: number } {
  const state = { received: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.received++;
      res.writeHead(204).end();
    });
  });
  return {
    start: (port) => new Promise((done) => server.listen(port, '127.0.0.1', () => done())),
    stop: () => new Promise((done) => server.close(() => done())),
    get received() {
      return state.received;
    },
  };
}

/** A port nothing listens on right now (taken and released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', () => done()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}

export async function runRepairStory(stack: Stack, say: (line: string) => void): Promise<RepairStory> {
  const example = await resolvePipeline('weather-steps');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/mlcycle-events`;
  const definition = {
    ...example,
    repair: { ...example.repair, backoffSeconds: 0 },
    steps: example.steps?.map((s) => (s.id === 'notify' ? { ...s, with: { url, failOnError: true }, retry: { maximumAttempts: 2, initialIntervalSeconds: 0.5 } } : s)),
  };
  say(`\n7. A dependency goes down: weather-steps (user steps: derive features, business rules, notify) tells ${url}, which does not answer`);
  const run = await startLifecycle(stack, definition, { rerun: true, reason: 'demo: the event receiver is down' });
  const failure = await followRun(run.handle, (l) => say(`   ${l}`)).then(
    () => 'it did not fail',
    (err: unknown) => (err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err)),
  );
  say(`   ✗ ${failure.split('\n')[0]}`);

  const service = receiver();
  await service.start(port);
  try {
    say('   The receiver is back. One repair round (`npx mlcycle repair weather-steps`; the repair schedule does the same):');
    const round = (await stack.client.workflow.execute(REPAIR_WORKFLOW, {
      taskQueue: TASK_QUEUE,
      workflowId: `repair:weather-steps:demo-${Date.now().toString(36)}`,
      args: [{ pipeline: 'weather-steps', dryRun: false }],
    })) as RepairResult;
    for (const d of round.decisions) say(`   - ${d.action} ${d.workflowId} (${d.failureType}, failed at ${d.step}): ${d.reason}`);
    const restart = round.decisions.find((d) => d.action === 'restart' && d.workflowId === run.workflowId);
    if (!restart?.newRunId) throw new Error(`the repair round did not restart ${run.workflowId}: ${JSON.stringify(round.decisions)}`);
    const handle = stack.client.workflow.getHandle(run.workflowId, restart.newRunId);
    const healed = completeResult(await followRun(handle, () => undefined));
    const { startTime, closeTime } = await handle.describe();
    const seconds = ((closeTime?.getTime() ?? Date.now()) - startTime.getTime()) / 1000;
    const reused = healed.steps.filter((s) => s.state === 'reused').map((s) => s.id);
    const ran = healed.steps.filter((s) => s.state === 'done').map((s) => s.id);
    say(`   ✓ healed in ${seconds.toFixed(1)} s: ${reused.length} steps reused (${reused.join(', ')}), ${ran.length} run again (${ran.join(', ')}); the receiver got ${service.received} event(s)`);
    return { failedRunId: run.runId, failure, round, healed };
  } finally {
    await service.stop();
  }
}
