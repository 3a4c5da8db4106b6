// A person's rollout command as the chaos scenarios send it: resent once if the connection failed under it (a refusal is an answer, not resent).
import { setTimeout as sleep } from 'node:timers/promises';
import type { RolloutState } from '../../contracts/rollout.js';
import { steerRollout, type SteerKind } from '../../triggers/rollout.js';

export type Steer = (kind: SteerKind, input: Parameters<typeof steerRollout>[3]) => Promise<{ state: RolloutState; resent: boolean }>;

export function steerer(conn: Parameters<typeof steerRollout>[0], model: string): Steer {
  return async (kind, input) => {
    try {
      return { state: await steerRollout(conn, model, kind, input), resent: false };
    } catch (err) {
      if ((err as Error).name === 'RolloutCommandError') throw err;
      await sleep(2000);
      return { state: await steerRollout(conn, model, kind, input), resent: true };
    }
  };
}
