// Bench-only peer workflow: a bare chain or fan of no-op activities (Temporal's own floor), continuing as new every so often.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';

export interface PeerInput {
  shape: 'chain' | 'fan';
  n: number;
  /** The next step index to run (s0 … s{n-1}, the bench's ids). */
  next: number;
  /** Steps per run before continuing as new (bounded history). */
  perRun: number;
  /** At most this many activities scheduled at once (Temporal refuses more than 2,000 pending per workflow). */
  inFlight: number;
}

const { benchNoop } = proxyActivities<{ benchNoop(id: string): Promise<number> }>({ startToCloseTimeout: '1 minute' });

/** Where the layer holding step i ends: a chain's layers are single steps; a fan's are root, the middle, the join. */
function layerEnd(shape: PeerInput['shape'], n: number, i: number): number {
  if (shape === 'chain' || i === 0) return i + 1;
  return i < n - 1 ? n - 1 : n;
}

export async function peerDag(input: PeerInput): Promise<number> {
  let next = input.next;
  let done = 0;
  while (next < input.n) {
    const end = Math.min(layerEnd(input.shape, input.n, next), next + input.inFlight);
    const batch: Promise<number>[] = [];
    for (let i = next; i < end; i++) batch.push(benchNoop(`s${i}`));
    await Promise.all(batch);
    done += end - next;
    next = end;
    if (next < input.n && (done >= input.perRun || workflowInfo().continueAsNewSuggested)) {
      return continueAsNew<typeof peerDag>({ ...input, next });
    }
  }
  return next;
}
