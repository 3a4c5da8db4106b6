// The search plan: grid or seeded random samples over algorithms × hyperparameters × feature sets, and halving rungs.
import { mulberry32 } from './cv.js';
import { GBDT_INTEGER_PARAMS, type Algorithm } from './model.js';
import type { FeatureSpec } from './preprocess.js';

/** A hyperparameter's values: a list to choose from, or a range to sample (log-uniform when `log`). */
export type ParamDomain = number[] | { min: number; max: number; log?: boolean };

/** Per algorithm, each hyperparameter's domain (absent algorithms are not searched). */
export type SearchSpace = Partial<Record<Algorithm, Record<string, ParamDomain | undefined>>>;

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
  algorithm: Algorithm;
  params: Record<string, number>;
  features: FeatureSpec;
  /** Fraction of the training rows this trial may use (1 = all). */
  budget: number;
}

/** Algorithms in the order plans list them. */
const ALGORITHMS: Algorithm[] = ['logreg', 'gbdt', 'ridge'];

function gridValues(d: ParamDomain, name: string): number[] {
  if (Array.isArray(d)) return [...new Set(d)];
  throw new Error(`grid search needs a list of values for ${name}, got a range (use strategy "random" or "halving")`);
}

function sample(d: ParamDomain, rand: () => number, integer: boolean): number {
  if (Array.isArray(d)) return d[Math.floor(rand() * d.length)];
  const v = d.log ? Math.exp(Math.log(d.min) + rand() * (Math.log(d.max) - Math.log(d.min))) : d.min + rand() * (d.max - d.min);
  return integer ? Math.min(d.max, Math.max(d.min, Math.round(v))) : v;
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

interface Combo {
  algorithm: Algorithm;
  params: Record<string, number>;
  set: number;
}

function domainsOf(space: SearchSpace, algorithm: Algorithm): [string, ParamDomain][] {
  return Object.entries(space[algorithm] ?? {}).filter((e): e is [string, ParamDomain] => e[1] !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function gridCombos(space: SearchSpace, algorithms: Algorithm[], sets: number): Combo[] {
  const combos: Combo[] = [];
  for (const algorithm of algorithms) {
    let partial: Record<string, number>[] = [{}];
    for (const [name, domain] of domainsOf(space, algorithm)) {
      partial = partial.flatMap((p) => gridValues(domain, `${algorithm}.${name}`).map((v) => ({ ...p, [name]: v })));
    }
    for (const params of partial) for (let set = 0; set < sets; set++) combos.push({ algorithm, params, set });
  }
  return combos;
}

function randomCombos(config: SearchPlanConfig, algorithms: Algorithm[], sets: number): Combo[] {
  const rand = mulberry32(config.seed);
  const wanted = config.trials ?? 10;
  const seen = new Set<string>();
  const combos: Combo[] = [];
  for (let attempt = 0; combos.length < wanted && attempt < wanted * 20; attempt++) {
    const algorithm = algorithms[Math.floor(rand() * algorithms.length)];
    const params: Record<string, number> = {};
    for (const [name, domain] of domainsOf(config.space, algorithm)) params[name] = round(sample(domain, rand, GBDT_INTEGER_PARAMS.has(name)));
    const combo = { algorithm, params, set: Math.floor(rand() * sets) };
    const key = JSON.stringify(combo);
    if (!seen.has(key)) {
      seen.add(key);
      combos.push(combo);
    }
  }
  return combos;
}

/** A readable, unique id: the algorithm, then each hyperparameter as -name-value, then the feature set. */
function candidateId(c: Combo, sets: number): string {
  const params = Object.entries(c.params).map(([k, v]) => `-${k}-${v}`).join('');
  return `${c.algorithm}${params}${sets > 1 ? `-fs${c.set}` : ''}`;
}

/** The first rung's trials (every trial for grid and random). Deterministic for a seed. */
export function planTrials(config: SearchPlanConfig, allFeatures: FeatureSpec): PlannedTrial[] {
  const algorithms = ALGORITHMS.filter((a) => config.space[a] !== undefined);
  if (algorithms.length === 0) throw new Error('the search space names no algorithm (add "logreg", "gbdt" or "ridge")');
  const sets = config.featureSets?.length ? config.featureSets : [allFeatures];
  const budget = config.strategy === 'halving' ? halvingBudgets(config.halving?.eta ?? 3, config.halving?.minBudget ?? 0.25)[0] : 1;
  const combos = config.strategy === 'grid' ? gridCombos(config.space, algorithms, sets.length) : randomCombos(config, algorithms, sets.length);
  return combos.map((c) => {
    const baseId = candidateId(c, sets.length);
    return { trialId: trialIdAt(baseId, budget), baseId, algorithm: c.algorithm, params: c.params, features: sets[c.set], budget };
  });
}
