// The optimize step: plan the trials, run each as a heartbeating activity (recorded once), train and gate the winner.
import { heartbeat } from '@temporalio/activity';
import { crossValidate, holdoutSplit, scoreClassifier } from '../lib/train/evaluate.js';
import { fitClassifier } from '../lib/train/classifier.js';
import { findTrial, recordTrial } from '../lib/store/datasets.js';
import { getDeployment, getModelVersion } from '../lib/store/models.js';
import { decideGate, labelScores } from '../lib/train/gate.js';
import { targetValues } from '../lib/train/classifier.js';
import { recordsFromTable } from '../lib/data/records.js';
import { feedTensors } from '../lib/onnx/feeds.js';
import { scoreOnnx } from '../lib/onnx/runtime.js';
import type { Table } from '../lib/data/table.js';
import type { CandidateInput, CandidateResult, PlanSearchInput, SearchPlan, TrialInput, TrialResult } from '../workflows/types.js';
import { halvingBudgets, planTrials } from '../lib/train/search.js';
import { failClosedOnBadData, loadSnapshot, type ActivityDeps } from './deps.js';

/** The serving champion's score on the candidate's holdout, through its packaged ONNX graph (null: no champion). */
async function scoreChampion(
  deps: ActivityDeps,
  name: string,
  test: Table,
  target: string,
  metric: 'accuracy' | 'macroF1',
): Promise<{ version: number; score: number } | null> {
  const deployment = await getDeployment(deps.db, name);
  const champion = deployment ? await getModelVersion(deps.db, name, deployment.championVersion) : null;
  if (!champion) return null;
  const inputs = champion.card.signature.inputs;
  const records = recordsFromTable(test, inputs.map((i) => i.name));
  const scored = await scoreOnnx(await deps.artifacts.get(champion.uri), feedTensors(inputs, records));
  const truth = targetValues(test, target).map((v) => v ?? '');
  return { version: champion.version, score: labelScores(truth, scored.labels)[metric] };
}

export function createOptimizeActivities(deps: ActivityDeps) {
  return {
    async planSearch(input: PlanSearchInput): Promise<SearchPlan> {
      const { search, features } = input.pipeline;
      const config = { ...search, featureSets: search.featureSets };
      const trials = planTrials(config, features);
      const eta = search.halving?.eta ?? 3;
      const nextBudgets = search.strategy === 'halving' ? halvingBudgets(eta, search.halving?.minBudget ?? 0.25).slice(1) : [];
      return { trials, nextBudgets, eta };
    },

    /** A trial already recorded for this run is returned as it was, never recomputed. */
    async runTrial(input: TrialInput): Promise<TrialResult> {
      const metric = input.pipeline.gate?.metric ?? 'accuracy';
      const { trial } = input;
      const base = { trialId: trial.trialId, params: trial.params, features: trial.features, budget: trial.budget, metric };
      const recorded = await findTrial(deps.db, input.runId, trial.trialId);
      if (recorded) return { ...base, cvScore: recorded.metrics.cvScore, cvStd: recorded.metrics.cvStd };
      return failClosedOnBadData(async () => {
        const { pipeline } = input;
        const all = await loadSnapshot(deps.artifacts, input.dataset.uri);
        // The trial's budget: a stratified share of the rows the candidate will be trained on (the holdout stays out).
        const { train } = holdoutSplit(all, pipeline.target, pipeline.search.holdoutFraction, pipeline.search.seed);
        const rows = trial.budget < 1 ? holdoutSplit(train, pipeline.target, 1 - trial.budget, pipeline.search.seed).train : train;
        const cv = crossValidate(
          rows,
          { target: pipeline.target, features: trial.features, l2: trial.params.l2 },
          metric,
          pipeline.search.folds,
          pipeline.search.seed,
          (done) => heartbeat({ fold: done }),
        );
        await recordTrial(deps.db, input.runId, {
          trialId: trial.trialId,
          params: { ...trial.params, budget: trial.budget },
          metrics: { cvScore: cv.mean, cvStd: cv.std, rows: rows.rows },
        });
        return { ...base, cvScore: cv.mean, cvStd: cv.std };
      });
    },

    /** Fits the best spec on the training part, scores the holdout, and applies the gate (no gate → not blessed). */
    async trainCandidate(input: CandidateInput): Promise<CandidateResult> {
      const { pipeline } = input;
      const table = await loadSnapshot(deps.artifacts, input.dataset.uri);
      const { train, test } = holdoutSplit(table, pipeline.target, pipeline.search.holdoutFraction, pipeline.search.seed);
      heartbeat('fitting');
      const model = fitClassifier(train, { target: pipeline.target, features: input.best.features, l2: input.best.params.l2 });
      const scores = scoreClassifier(model, test);
      const holdoutMetrics = { accuracy: scores.accuracy, macroF1: scores.macroF1, logLoss: scores.logLoss, holdoutRows: scores.rows };
      const stored = await deps.artifacts.putJson(model);
      const metric = pipeline.gate?.metric ?? 'accuracy';
      const champion = await scoreChampion(deps, pipeline.name, test, pipeline.target, metric);
      const decision = decideGate(pipeline.gate, holdoutMetrics[metric], champion);
      return { modelUri: stored.uri, holdoutMetrics, blessed: decision.blessed, gateReason: decision.reason, champion };
    },
  };
}
