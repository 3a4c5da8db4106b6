// Bench helper: the peer's worker (own task queue, in this process) and one measured peer run of a chain or a fan.
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { measure, type Outcome } from './engineRuns.js';
import type { PeerInput } from './peerWorkflow.js';

export const PEER_TASK_QUEUE = 'bench-engine-peer';

export interface Peer {
  /** Runs the shape; the activities' start times (ms) by step id come back beside the measurement. */
  run(shape: PeerInput['shape'], n: number, timeoutMs: number): Promise<{ outcome: Outcome; starts: Map<string, number> }>;
  stop(): Promise<void>;
}

export async function startPeer(client: Client, address: string, namespace: string): Promise<Peer> {
  let starts = new Map<string, number>();
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue: PEER_TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./peerWorkflow.ts', import.meta.url)),
    activities: {
      benchNoop: async (id: string): Promise<number> => {
        if (!starts.has(id)) starts.set(id, Date.now());
        return 1;
      },
    },
  });
  const running = worker.run();
  let count = 0;
  return {
    async run(shape, n, timeoutMs) {
      starts = new Map();
      const input: PeerInput = { shape, n, next: 0, perRun: 2_000, inFlight: 1_000 };
      const t0 = performance.now();
      const handle = await client.workflow.start('peerDag', { taskQueue: PEER_TASK_QUEUE, workflowId: `bench-peer-${shape}-${n}-${Date.now()}-${count++}`, args: [input] });
      const outcome = await measure(client, handle, handle.firstExecutionRunId, performance.now() - t0, timeoutMs);
      return { outcome, starts };
    },
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
