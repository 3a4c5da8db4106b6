// What a lifecycle run hands to its continuation: finished steps as index ranges, outputs still needed, the result so far.
import type { StepOutputs, StepRecord } from '../contracts/steps.js';
import type { RunCarry } from '../contracts/types.js';

/** Indices as flattened inclusive ranges: a chain's or a fan's finished prefix is a handful of numbers. */
export function toRanges(indices: Iterable<number>): number[] {
  const sorted = [...indices].sort((a, b) => a - b);
  const out: number[] = [];
  for (const k of sorted) {
    if (out.length > 0 && out[out.length - 1] === k - 1) out[out.length - 1] = k;
    else out.push(k, k);
  }
  return out;
}

export function fromRanges(ranges: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < ranges.length; i += 2) for (let k = ranges[i]; k <= ranges[i + 1]; k++) out.push(k);
  return out;
}

/** Result lists name at most this many steps (built-ins always); the rest are counted. */
export const LISTED_STEPS = 500;

/** The run's finished steps, as much as a result holds: every built-in, the first LISTED_STEPS in all. */
export class StepLedger {
  records: StepRecord[] = [];
  omitted = 0;

  add(record: StepRecord, builtin: boolean): boolean {
    if (builtin || this.records.length < LISTED_STEPS) {
      this.records.push(record);
      return true;
    }
    this.omitted++;
    return false;
  }
}

export interface CarryState {
  generation: number;
  finished: Set<number>;
  reused: Set<number>;
  /** Outputs by plan index of the finished steps the carry may need. */
  outputs: Map<number, StepOutputs>;
}

/** The carry for the next run: outputs only of finished steps that unfinished ones take as inputs, and of built-ins. */
export function carryOf(
  s: CarryState, ledger: StepLedger, events: RunCarry['events'],
  consumers: number[][], builtin: (k: number) => boolean,
): RunCarry {
  const outputs: Record<number, StepOutputs> = {};
  for (const [k, o] of s.outputs) if (builtin(k) || consumers[k].some((d) => !s.finished.has(d))) outputs[k] = o;
  return {
    generation: s.generation + 1, finished: toRanges(s.finished), reused: toRanges(s.reused), outputs,
    records: ledger.records, omitted: ledger.omitted, events,
  };
}
