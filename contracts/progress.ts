// A lifecycle run's live state and what it carries into its continuation: step states, the progress queries, the carry.
import type { StepOutputs, StepRecord } from './steps.js';

/** What a continued lifecycle run carries: finished steps as index ranges, the outputs still needed, the result so far. */
export interface RunCarry {
  generation: number;
  /** Finished step indices as [from, to] ranges (inclusive), flattened; `reused` the subset that was reused. */
  finished: number[];
  reused: number[];
  /** Outputs of finished steps that unfinished ones take, and of built-ins (the result names theirs). */
  outputs: Record<number, StepOutputs>;
  records: StepRecord[];
  omitted: number;
  events: { seq: number; step: string; message: string }[];
}

export type StepState = 'pending' | 'running' | 'done' | 'reused' | 'failed' | 'cancelled';

export interface StepProgress {
  id: string;
  uses: string;
  needs: string[];
  state: StepState;
  message: string;
  durationMs: number | null;
}

export interface LifecycleProgress {
  /** The running steps' ids, or the step that failed, or "done". */
  step: string;
  steps: StepProgress[];
  trialsDone: number;
  trialsTotal: number;
  message: string;
  /** Every step message so far (oldest first, at most the last 100), so a follower that polls misses none. */
  events: { seq: number; step: string; message: string }[];
}

/** What changed since a follower's cursor (the `progressSince` query): counts, a bounded view of the running steps, new events. */
export interface ProgressSince {
  step: string;
  total: number;
  counts: Record<StepState, number>;
  /** The first running steps (at most 20), in the order they started. */
  running: string[];
  trialsDone: number;
  trialsTotal: number;
  message: string;
  /** Events after the cursor, oldest first (at most 2,000 per answer: ask again from the last seq). */
  events: { seq: number; step: string; message: string }[];
  /** The oldest event this run still holds (a continued run holds its predecessor's last 1,000). */
  oldestSeq: number;
  lastSeq: number;
}
