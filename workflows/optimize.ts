// The search inside a lifecycle run: trials fan out as parallel activities (bounded), the best is trained and gated.
import { TRAINING_TASK_QUEUE } from '../contracts/names.js';
import type { PipelineRef, PlannedStep } from '../contracts/steps.js';
import type { CandidateResult, DatasetRef, LifecycleProgress, SearchPlan, TrialResult, TrialSpec } from '../contracts/types.js';
import { stepActivities } from './policies.js';

export interface OptimizeOutcome {
  trials: TrialResult[];
  bestTrial: TrialResult;
  candidate: CandidateResult;
}

/** Runs `specs` with at most `limit` in flight; results keep the specs' order. */
async function runBounded(specs: TrialSpec[], limit: number, run: (spec: TrialSpec) => Promise<TrialResult>): Promise<TrialResult[]> {
  const results: TrialResult[] = new Array(specs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < specs.length) {
      const index = next++;
      results[index] = await run(specs[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, specs.length) }, lane));
  return results;
}

/** The best trial (see byScore). */
export function pickBest(trials: TrialResult[]): TrialResult {
  return [...trials].sort(byScore)[0];
}

/** Successive halving: each rung keeps the best 1/eta and gives them the next, larger budget of rows. */
async function halve(
  rung: TrialResult[],
  plan: SearchPlan,
  run: (spec: TrialSpec) => Promise<TrialResult>,
  parallel: number,
  report: (message: string) => void,
  specs: Map<string, TrialSpec>,
): Promise<TrialResult[]> {
  const all = [...rung];
  let current = rung;
  for (const budget of plan.nextBudgets) {
    const keep = [...current].sort(byScore).slice(0, Math.max(1, Math.floor(current.length / plan.eta)));
    const next = keep.map((t) => promote(specs.get(t.trialId) as TrialSpec, budget));
    for (const n of next) specs.set(n.trialId, n);
    report(`halving: ${keep.length} of ${current.length} go on with ${Math.round(budget * 100)}% of the rows`);
    current = await runBounded(next, parallel, run);
    all.push(...current);
  }
  return all;
}

/** Best first: best CV score in the metric's direction (unscored trials last); ties go to the stronger regularization, then the trial id (deterministic). */
function byScore(a: TrialResult, b: TrialResult): number {
  const sign = a.higherIsBetter ? 1 : -1;
  const regularization = (t: TrialResult): number => t.params.l2 ?? t.params.alpha ?? t.params.lambda ?? 0;
  const unscored = (t: TrialResult): number => (Number.isFinite(t.cvScore) ? 0 : 1);
  return unscored(a) - unscored(b) || sign * (b.cvScore - a.cvScore) || regularization(b) - regularization(a) || a.trialId.localeCompare(b.trialId);
}

/** The same candidate at a larger budget; its id follows lib/train/search.ts's trialIdAt. */
function promote(trial: TrialSpec, budget: number): TrialSpec {
  return { ...trial, budget, trialId: budget < 1 ? `${trial.baseId}-b${budget}` : trial.baseId };
}

export async function optimize(
  runId: string,
  pipeline: PipelineRef,
  step: PlannedStep,
  dataset: DatasetRef,
  progress: LifecycleProgress,
  report: (message: string) => void,
): Promise<OptimizeOutcome> {
  const { planSearch } = stepActivities(step, `${step.id}: plan the search`);
  // Trials and the candidate run on the training queue unless the step names its own.
  const training = { ...step, taskQueue: step.taskQueue ?? TRAINING_TASK_QUEUE };
  const plan = await planSearch({ pipeline });
  const specs = new Map(plan.trials.map((t) => [t.trialId, t]));
  let total = plan.trials.length;
  let size = plan.trials.length;
  for (let i = 0; i < plan.nextBudgets.length; i++) total += size = Math.max(1, Math.floor(size / plan.eta));
  progress.trialsTotal = total;
  report(`0/${total} trials (${plan.strategy}, ${plan.folds}-fold CV)`);
  const run = async (trial: TrialSpec): Promise<TrialResult> => {
    const result = await stepActivities(training, `${step.id}: trial ${trial.trialId}`).runTrial({ runId, pipeline, dataset, trial });
    progress.trialsDone++;
    report(`${progress.trialsDone}/${total} trials; last ${trial.trialId}: ${result.metric} ${result.cvScore.toFixed(4)}`);
    return result;
  };
  const first = await runBounded(plan.trials, plan.maxParallelTrials, run);
  const trials = plan.nextBudgets.length ? await halve(first, plan, run, plan.maxParallelTrials, report, specs) : first;
  // The winner is chosen among the trials that saw the largest budget.
  const largest = Math.max(...trials.map((t) => t.budget));
  const bestTrial = pickBest(trials.filter((t) => t.budget === largest));
  report(`best ${bestTrial.trialId} (${bestTrial.metric} ${bestTrial.cvScore.toFixed(4)}); training the candidate`);
  const candidate = await stepActivities(training, `${step.id}: train ${bestTrial.trialId}`).trainCandidate({ runId, pipeline, dataset, trials, best: bestTrial });
  return { trials, bestTrial, candidate };
}
