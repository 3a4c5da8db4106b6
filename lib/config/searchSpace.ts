// The search space of a pipeline: per algorithm, each hyperparameter's values (a list) or range, with its valid bounds.
import { z } from 'zod';

interface Bounds {
  min: number;
  max: number;
  /** Is the lower bound excluded (e.g. a learning rate must be > 0)? */
  minExclusive?: boolean;
  integer?: boolean;
}

function check(b: Bounds): (v: number) => boolean {
  return (v) => Number.isFinite(v) && (b.minExclusive ? v > b.min : v >= b.min) && v <= b.max && (!b.integer || Number.isInteger(v));
}

function describe(b: Bounds): string {
  return `${b.integer ? 'an integer' : 'a number'} in ${b.minExclusive ? '(' : '['}${b.min}, ${b.max}]`;
}

/** A hyperparameter's values: a list to choose from, or a range { min, max, log } to sample. */
function domain(b: Bounds) {
  const ok = check(b);
  const value = z.number().refine(ok, `must be ${describe(b)}`);
  const range = z
    .object({ min: value, max: value, log: z.boolean().default(!b.integer) })
    .strict()
    .refine((r) => r.min <= r.max, 'min must not be above max')
    .refine((r) => !r.log || r.min > 0, 'a log range needs min > 0');
  return z.union([z.array(value).min(1).max(100), range]);
}

const unit = { min: 0, max: 1, minExclusive: true };

export const searchSpaceSchema = z
  .object({
    /** Logistic regression (classification): L2 penalty. */
    logreg: z.object({ l2: domain({ min: 0, max: 1e6, minExclusive: true }) }).strict().optional(),
    /** Gradient-boosted trees (classification and regression); absent hyperparameters keep lib/train/gbdt's defaults. */
    gbdt: z
      .object({
        nEstimators: domain({ min: 1, max: 5000, integer: true }).optional(),
        learningRate: domain({ min: 0, max: 1, minExclusive: true }).optional(),
        maxDepth: domain({ min: 0, max: 32, integer: true }).optional(),
        maxLeaves: domain({ min: 2, max: 4096, integer: true }).optional(),
        maxBins: domain({ min: 2, max: 255, integer: true }).optional(),
        minChildWeight: domain({ min: 0, max: 1e6 }).optional(),
        minSamplesLeaf: domain({ min: 1, max: 1e6, integer: true }).optional(),
        lambda: domain({ min: 0, max: 1e6 }).optional(),
        minSplitGain: domain({ min: 0, max: 1e6 }).optional(),
        subsample: domain(unit).optional(),
        colsampleBytree: domain(unit).optional(),
        earlyStoppingRounds: domain({ min: 1, max: 1000, integer: true }).optional(),
      })
      .strict()
      .optional(),
    /** Ridge regression (regression): L2 penalty; 0 is ordinary least squares. */
    ridge: z.object({ alpha: domain({ min: 0, max: 1e9 }) }).strict().optional(),
  })
  .strict()
  .refine((s) => Object.values(s).some((v) => v !== undefined), 'the search space names no algorithm (add "logreg", "gbdt" or "ridge")');

export type SearchSpaceConfig = z.infer<typeof searchSpaceSchema>;
