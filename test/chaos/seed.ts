// The chaos suite's seed: drawn once per scenario (or MLCYCLE_CHAOS_SEED), printed, and the one source of every random choice.
import { mulberry32 } from '../../lib/train/cv.js';

export interface Chaos {
  seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** One of the choices. */
  pick<T>(choices: readonly T[]): T;
}

/** MLCYCLE_CHAOS_SEED replays a failure; otherwise a fresh seed, printed so that it can. */
export function chaosFor(scenario: string): Chaos {
  const given = process.env.MLCYCLE_CHAOS_SEED;
  if (given !== undefined && !/^\d{1,10}$/.test(given)) throw new Error(`MLCYCLE_CHAOS_SEED=${given} is not a whole number below 2^32`);
  const seed = given !== undefined ? Number(given) >>> 0 : Math.floor(Math.random() * 2 ** 32) >>> 0;
  process.stderr.write(`  [chaos] ${scenario}: seed ${seed} (replay: MLCYCLE_CHAOS_SEED=${seed})\n`);
  const next = mulberry32(seed);
  return {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (choices) => choices[Math.floor(next() * choices.length)],
  };
}
