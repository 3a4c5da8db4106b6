// People's commands on a rollout: validated before they are accepted (no history entry when refused), queued for the loop.
import type { RolloutState, SetTrafficInput, SteerInput } from '../contracts/rollout.js';

export type CommandKind = 'promote' | 'rollback' | 'pause' | 'resume' | 'setTraffic';

export interface Command {
  kind: CommandKind;
  input: SteerInput | SetTrafficInput;
  applied: boolean;
}

/** Throws (refusing the Update, with the reason) when the command makes no sense in the rollout's current state. */
export function validateCommand(state: RolloutState, kind: CommandKind, input: SteerInput | SetTrafficInput, ending: boolean): void {
  const subject = `${state.model}@${state.challengerVersion}`;
  if (!input || typeof input !== 'object') throw new Error('a command needs {actor, reason}');
  if (typeof input.actor !== 'string' || !input.actor.trim()) throw new Error('actor is required: who gives the command (it is audited)');
  if (typeof input.reason !== 'string' || input.reason.trim().length < 3) throw new Error('reason is required (at least 3 characters): why (it is audited)');
  if (input.version !== undefined && input.version !== state.challengerVersion) {
    throw new Error(`${state.model}@${input.version} is not in rollout: ${subject} is (stage ${state.stage}); nothing to ${kind}`);
  }
  if (state.status === 'promoted' || state.status === 'rolled back' || ending) {
    throw new Error(`the rollout of ${subject} has ended (${ending ? 'ending' : state.status}): nothing to ${kind}`);
  }
  if (kind === 'pause' && state.status === 'paused') throw new Error(`the rollout of ${subject} is paused already`);
  if (kind === 'resume' && state.status !== 'paused') throw new Error(`the rollout of ${subject} is not paused`);
  if (kind === 'setTraffic') {
    const t = (input as SetTrafficInput).traffic;
    if (typeof t !== 'number' || !(t > 0 && t <= 1)) throw new Error(`traffic must be a share in (0, 1], got ${String(t)}`);
  }
}

/** How the event log names a command. */
export function describeCommand(kind: CommandKind, input: SteerInput | SetTrafficInput): string {
  if (kind === 'setTraffic') return `traffic set to ${Math.round((input as SetTrafficInput).traffic * 1000) / 10}%`;
  return kind === 'rollback' ? 'rolled back' : kind === 'promote' ? 'promoted' : kind === 'pause' ? 'paused' : 'resumed';
}
