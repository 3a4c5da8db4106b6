// People's commands on a rollout: the Update validator refuses only unattributable ones; the handler refuses (and audits) the rest.
import type { RolloutState, SetTrafficInput, SteerInput } from '../contracts/rollout.js';

export type CommandKind = 'promote' | 'rollback' | 'pause' | 'resume' | 'setTraffic';

export interface Command {
  kind: CommandKind;
  input: SteerInput | SetTrafficInput;
  applied: boolean;
}

/**
 * The Update's validator: refuses only a command with no one to attribute it to (not an object, no actor). Such a
 * refusal leaves no trace in the history and cannot run an activity; mlcycle's own clients always send an actor.
 */
export function validateCommand(input: SteerInput | SetTrafficInput): void {
  if (!input || typeof input !== 'object') throw new Error('a command needs {actor, reason}');
  if (typeof input.actor !== 'string' || !input.actor.trim()) throw new Error('actor is required: who gives the command (it is audited)');
}

/**
 * Why a command makes no sense in the rollout's current state (or lacks its reason); null when it fits. The Update's
 * handler refuses it with this reason after auditing the attempt. Together with validateCommand these are the checks
 * the validator alone once made, in the same order, so a command accepted by older code is accepted here too.
 */
export function refusalOf(state: RolloutState, kind: CommandKind, input: SteerInput | SetTrafficInput, ending: boolean): string | null {
  const subject = `${state.model}@${state.challengerVersion}`;
  if (typeof input.reason !== 'string' || input.reason.trim().length < 3) return 'reason is required (at least 3 characters): why (it is audited)';
  if (input.version !== undefined && input.version !== state.challengerVersion) {
    return `${state.model}@${input.version} is not in rollout: ${subject} is (stage ${state.stage}); nothing to ${kind}`;
  }
  if (state.status === 'promoted' || state.status === 'rolled back' || ending) {
    return `the rollout of ${subject} has ended (${ending ? 'ending' : state.status}): nothing to ${kind}`;
  }
  if (kind === 'pause' && state.status === 'paused') return `the rollout of ${subject} is paused already`;
  if (kind === 'resume' && state.status !== 'paused') return `the rollout of ${subject} is not paused`;
  if (kind === 'setTraffic') {
    const t = (input as SetTrafficInput).traffic;
    if (typeof t !== 'number' || !(t > 0 && t <= 1)) return `traffic must be a share in (0, 1], got ${String(t)}`;
  }
  return null;
}

/** A command's name in the CLI, the HTTP API and audit actions (rollout_<name>, rollout_<name>_refused). */
export function commandName(kind: CommandKind): string {
  return kind === 'setTraffic' ? 'traffic' : kind;
}

/** How the event log names a command. */
export function describeCommand(kind: CommandKind, input: SteerInput | SetTrafficInput): string {
  if (kind === 'setTraffic') return `traffic set to ${Math.round((input as SetTrafficInput).traffic * 1000) / 10}%`;
  return kind === 'rollback' ? 'rolled back' : kind === 'promote' ? 'promoted' : kind === 'pause' ? 'paused' : 'resumed';
}
