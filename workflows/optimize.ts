// The search inside a lifecycle run: trials fan out as parallel activities (bounded), the best is trained and gated.
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { CandidateResult, DatasetRef, LifecycleProgress, PipelineDefinition, TrialResult, TrialSpec } from './types.js';

type Activities = ReturnType<typeof createActivities>;

const retry = { initialInterval: '1 second', maximumInterval: '10 seconds', nonRetryableErrorTypes: ['BadInput', 'DataError'] };
const { planSearch } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });
const { runTrial, trainCandidate } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry,
});

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

/** Best trial: highest CV score; ties go to the stronger regularization, then the trial id (deterministic). */
export function pickBest(trials: TrialResult[]): TrialResult {
  return [...trials].sort((a, b) => b.cvScore - a.cvScore || b.params.l2 - a.params.l2 || a.trialId.localeCompare(b.trialId))[0];
}

export async function optimize(
  runId: string,
  pipeline: PipelineDefinition,
  dataset: DatasetRef,
  progress: LifecycleProgress,
  report: (message: string) => void,
): Promise<OptimizeOutcome> {
  const specs = await planSearch({ pipeline });
  progress.trialsTotal = specs.length;
  report(`0/${specs.length} trials (${pipeline.search.folds}-fold CV)`);
  const trials = await runBounded(specs, pipeline.search.maxParallelTrials, async (trial) => {
    const result = await runTrial({ runId, pipeline, dataset, trial });
    progress.trialsDone++;
    report(`${progress.trialsDone}/${specs.length} trials; last ${trial.trialId}: ${result.metric} ${result.cvScore.toFixed(4)}`);
    return result;
  });
  const bestTrial = pickBest(trials);
  report(`best ${bestTrial.trialId} (${bestTrial.metric} ${bestTrial.cvScore.toFixed(4)}); training the candidate`);
  const candidate = await trainCandidate({ runId, pipeline, dataset, trials, best: bestTrial });
  return { trials, bestTrial, candidate };
}
