// The search plan: grid or seeded random samples over algorithms × hyperparameters × feature sets, and halving rungs.
import { mulberry32 } from './cv.js';
import type { FeatureSpec } from './preprocess.js';

/** A hyperparameter's values: a list to choose from, or a range to sample (log-uniform when `log`). */
export type ParamDomain = number[] | { min: number; max: number; log?: boolean };

export interface SearchSpace {
  logreg?: { l2: ParamDomain };
}

export interface SearchPlanConfig {
  strategy: 'grid' | 'random' | 'halving';
  /** Random and halving: how many candidates to sample (grid: ignored, every combination is tried). */
  trials?: number;
  seed: number;
  space: SearchSpace;
  /** Subsets of the pipeline's features to try; absent → all features. */
  featureSets?: FeatureSpec[];
  halving?: { eta: number; minBudget: number };
}

export interface PlannedTrial {
  /** `baseId` at full budget, `<baseId>-b<budget>` below it. */
  trialId: string;
  /** The candidate (algorithm, parameters, feature set), the same at every budget. */
  baseId: string;
  algorithm: 'logreg';
  params: { l2: number };
  features: FeatureSpec;
  /** Fraction of the training rows this trial may use (1 = all). */
  budget: number;
}

function gridValues(d: ParamDomain, name: string): number[] {
  if (Array.isArray(d)) return [...new Set(d)];
  throw new Error(`grid search needs a list of values for ${name}, got a range (use strategy "random" or "halving")`);
}

function sample(d: ParamDomain, rand: () => number): number {
  if (Array.isArray(d)) return d[Math.floor(rand() * d.length)];
  if (d.log) return Math.exp(Math.log(d.min) + rand() * (Math.log(d.max) - Math.log(d.min)));
  return d.min + rand() * (d.max - d.min);
}

const round = (x: number): number => Number(x.toPrecision(6));

/** A trial's id at a budget (workflows/optimize.ts builds the same when it promotes a candidate). */
export function trialIdAt(baseId: string, budget: number): string {
  return budget < 1 ? `${baseId}-b${budget}` : baseId;
}

/** The budgets of successive halving: minBudget, ×eta, …, up to 1 (all rows). */
export function halvingBudgets(eta: number, minBudget: number): number[] {
  const budgets: number[] = [];
  for (let b = minBudget; b < 1 - 1e-9; b *= eta) budgets.push(round(b));
  budgets.push(1);
  return budgets;
}

/** How many candidates survive a rung: the best 1/eta of them, at least one. */
export function survivors(count: number, eta: number): number {
  return Math.max(1, Math.floor(count / eta));
}

/** The first rung's trials (every trial for grid and random). Deterministic for a seed. */
export function planTrials(config: SearchPlanConfig, allFeatures: FeatureSpec): PlannedTrial[] {
  const logreg = config.space.logreg;
  if (!logreg) throw new Error('the search space has no algorithm (add "logreg")');
  const sets = config.featureSets?.length ? config.featureSets : [allFeatures];
  const budget = config.strategy === 'halving' ? halvingBudgets(config.halving?.eta ?? 3, config.halving?.minBudget ?? 0.25)[0] : 1;
  const combos: { l2: number; set: number }[] = [];
  if (config.strategy === 'grid') {
    for (const l2 of gridValues(logreg.l2, 'logreg.l2')) for (let s = 0; s < sets.length; s++) combos.push({ l2, set: s });
  } else {
    const rand = mulberry32(config.seed);
    const wanted = config.trials ?? 10;
    const seen = new Set<string>();
    for (let attempt = 0; combos.length < wanted && attempt < wanted * 20; attempt++) {
      const combo = { l2: round(sample(logreg.l2, rand)), set: Math.floor(rand() * sets.length) };
      const key = `${combo.l2}/${combo.set}`;
      if (!seen.has(key)) {
        seen.add(key);
        combos.push(combo);
      }
    }
  }
  return combos.map(({ l2, set }) => {
    const baseId = `logreg-l2-${l2}${sets.length > 1 ? `-fs${set}` : ''}`;
    return { trialId: trialIdAt(baseId, budget), baseId, algorithm: 'logreg' as const, params: { l2 }, features: sets[set], budget };
  });
}
