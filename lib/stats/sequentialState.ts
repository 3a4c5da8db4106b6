// The sequential test's state: per-unit sums per variant (version 2), the row shapes of version 1 it still reads, batches.
import { addUnitSums, checkUnitSums, countsAsUnits, emptyUnitSums, momentsAsUnits, rowsAsUnits, type UnitSums } from './unitSums.js';

export type { UnitSums } from './unitSums.js';

/** Running moments of one stream of numbers (Chan et al. merge): count, mean, sum of squared deviations (M2). */
export type Moments = { n: number; mean: number; m2: number };
export type Counts = { trials: number; successes: number };

/**
 * Version 2, by unit (the unit serving routes by). Split stages: per variant, the sums over units of each unit's sum
 * of the metric's values (1/0 correctness for `proportions`, errors for `means`) and of its count. Shadow (`paired`):
 * the sums over units of each unit's sum of per-request differences challenger − champion, and of its count of pairs.
 */
export type SplitState = { kind: 'proportions' | 'means'; version: 2; champion: UnitSums; challenger: UnitSums };
export type PairedState = { kind: 'paired'; version: 2; differences: UnitSums };
export type SequentialState = SplitState | PairedState;
export type SequentialKind = SequentialState['kind'];

/** Version 1, by row: every row its own unit. Still read (as one unit per row), never written. */
export type RowState =
  | { kind: 'proportions'; champion: Counts; challenger: Counts }
  | { kind: 'means'; champion: Moments; challenger: Moments }
  | { kind: 'paired'; differences: Moments };

/** Accuracy rows, unpaired: successes of trials per variant, each trial its own unit. */
export type ProportionsBatch = { champion: Counts; challenger: Counts };
/** Per-row values (errors, or 0/1 correctness), each row its own unit; for `paired`, row i of both arrays is the same request. */
export type ValuesBatch = { champion: readonly number[]; challenger: readonly number[] };
/** Units not in the state yet (their sums); `differences` for `paired`. */
export type UnitsBatch = { champion: UnitSums; challenger: UnitSums } | { differences: UnitSums };
export type Batch = ProportionsBatch | ValuesBatch | UnitsBatch;

/** A test with no samples yet. */
export function createState(kind: SequentialKind): SequentialState {
  if (kind === 'proportions' || kind === 'means') return { kind, version: 2, champion: emptyUnitSums(), challenger: emptyUnitSums() };
  if (kind === 'paired') return { kind, version: 2, differences: emptyUnitSums() };
  throw new RangeError(`kind must be proportions, means or paired: got ${String(kind)}`);
}

function checkCounts(c: Counts, field: string): void {
  for (const key of ['trials', 'successes'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 0) throw new RangeError(`${field}.${key} must be a non-negative integer: got ${String(c[key])}`);
  }
  if (c.successes > c.trials) throw new RangeError(`${field}.successes (${c.successes}) exceeds ${field}.trials (${c.trials})`);
}

function checkSide(kind: SequentialKind, s: UnitSums, field: string): void {
  checkUnitSums(s, field);
  if (kind === 'proportions' && (s.y < 0 || s.y > s.n)) throw new RangeError(`${field}: ${s.y} successes are outside 0…${s.n} trials`);
}

/** A state of either version as version 2, checked (version 1 rows become one unit each). */
export function toUnits(state: SequentialState | RowState): SequentialState {
  if (state === null || typeof state !== 'object') throw new TypeError('state must be a sequential test state');
  if ('version' in state) {
    if (state.version !== 2) throw new RangeError(`state.version must be 2: got ${String(state.version)}`);
    if (state.kind === 'paired') checkSide('paired', state.differences, 'differences');
    else if (state.kind === 'proportions' || state.kind === 'means') {
      checkSide(state.kind, state.champion, 'champion');
      checkSide(state.kind, state.challenger, 'challenger');
    } else throw new RangeError(`kind must be proportions, means or paired: got ${String((state as { kind: unknown }).kind)}`);
    return state;
  }
  if (state.kind === 'proportions') {
    checkCounts(state.champion, 'champion');
    checkCounts(state.challenger, 'challenger');
    const of = (c: Counts): UnitSums => countsAsUnits(c.successes, c.trials);
    return { kind: 'proportions', version: 2, champion: of(state.champion), challenger: of(state.challenger) };
  }
  if (state.kind === 'means') return { kind: 'means', version: 2, champion: momentsAsUnits(state.champion), challenger: momentsAsUnits(state.challenger) };
  if (state.kind === 'paired') return { kind: 'paired', version: 2, differences: momentsAsUnits(state.differences) };
  throw new RangeError(`kind must be proportions, means or paired: got ${String((state as { kind: unknown }).kind)}`);
}

/** The state after one batch (a new object; the input is not changed). Units of a batch must be new to the state. */
export function update(state: SequentialState | RowState, batch: Batch): SequentialState {
  const s = toUnits(state);
  if ('differences' in batch) {
    if (s.kind !== 'paired') throw new TypeError(`batch: ${s.kind} takes { champion, challenger }, not { differences }`);
    checkSide('paired', batch.differences, 'differences');
    return { ...s, differences: addUnitSums(s.differences, batch.differences) };
  }
  const { champion, challenger } = batch;
  if (Array.isArray(champion) !== Array.isArray(challenger)) throw new TypeError('batch: champion and challenger must be of the same form');
  let sides: { champion: UnitSums; challenger: UnitSums };
  if (Array.isArray(champion)) {
    const b = batch as ValuesBatch;
    if (s.kind === 'paired') {
      if (b.champion.length !== b.challenger.length) throw new RangeError(`batch: paired rows must match: champion has ${b.champion.length}, challenger ${b.challenger.length}`);
      rowsAsUnits(b.champion, 'champion');
      return { ...s, differences: addUnitSums(s.differences, rowsAsUnits(b.challenger.map((v, i) => v - b.champion[i]), 'challenger')) };
    }
    sides = { champion: rowsAsUnits(b.champion, 'champion'), challenger: rowsAsUnits(b.challenger, 'challenger') };
  } else if ('trials' in champion) {
    if (s.kind !== 'proportions') throw new TypeError(`batch: ${s.kind} takes arrays of per-row values or unit sums per variant`);
    const b = batch as ProportionsBatch;
    checkCounts(b.champion, 'champion');
    checkCounts(b.challenger, 'challenger');
    sides = { champion: countsAsUnits(b.champion.successes, b.champion.trials), challenger: countsAsUnits(b.challenger.successes, b.challenger.trials) };
  } else {
    if (s.kind === 'paired') throw new TypeError('batch: paired takes { differences } unit sums or arrays of per-row values');
    const b = batch as { champion: UnitSums; challenger: UnitSums };
    checkSide(s.kind, b.champion, 'champion');
    checkSide(s.kind, b.challenger, 'challenger');
    sides = b;
  }
  if (s.kind === 'proportions') for (const [k, v] of Object.entries(sides)) checkSide('proportions', v, k);
  return { ...s, champion: addUnitSums(s.champion, sides.champion), challenger: addUnitSums(s.challenger, sides.challenger) };
}
