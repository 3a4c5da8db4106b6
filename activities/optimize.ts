// The optimize step: plan the trials, run each as a heartbeating activity (recorded once), train and gate the winner.
import { cancellationSignal, heartbeat } from '@temporalio/activity';
import { holdoutSplit } from '../lib/train/evaluate.js';
import type { ModelSpec } from '../lib/train/model.js';
import { findTrial, recordTrial } from '../lib/store/datasets.js';
import { servingChampion } from '../lib/store/models.js';
import { scoreServingChampion } from '../lib/train/champion.js';
import { decideGate } from '../lib/train/gate.js';
import { defaultMetric, METRICS, type MetricName } from '../lib/train/scores.js';
import type { CandidateInput, CandidateResult, PipelineDefinition, PlanSearchInput, SearchPlan, TrialInput, TrialResult, TrialSpec } from '../contracts/types.js';
import { halvingBudgets, planTrials } from '../lib/train/search.js';
import { failClosedOnBadData, keepHeartbeating, loadSnapshot, type ActivityDeps } from './deps.js';
import { definitionWith } from './sections.js';
import { ML_SECTIONS, type MlPipeline } from '../lib/steps/sections.js';

/** The metric the search optimizes and the gate reads. */
export function primaryMetric(pipeline: PipelineDefinition): MetricName {
  return pipeline.gate?.metric ?? defaultMetric(pipeline.task);
}

function specOf(pipeline: MlPipeline, trial: Pick<TrialSpec, 'algorithm' | 'params' | 'features'>): ModelSpec {
  return {
    task: pipeline.task, target: pipeline.target, features: trial.features, algorithm: trial.algorithm, params: trial.params, seed: pipeline.search.seed,
    ...(pipeline.transforms?.length ? { transforms: pipeline.transforms } : {}),
  };
}

export function createOptimizeActivities(deps: ActivityDeps) {
  return {
    async planSearch(input: PlanSearchInput): Promise<SearchPlan> {
      const { search, features } = await definitionWith(deps, input.pipeline, ML_SECTIONS, 'step optimize');
      const config = { ...search, featureSets: search.featureSets };
      const trials = planTrials(config, features);
      const eta = search.halving?.eta ?? 3;
      const nextBudgets = search.strategy === 'halving' ? halvingBudgets(eta, search.halving?.minBudget ?? 0.25).slice(1) : [];
      return { trials, nextBudgets, eta, strategy: search.strategy, folds: search.folds, maxParallelTrials: search.maxParallelTrials };
    },

    /** A trial already recorded for this run is returned as it was, never recomputed. */
    async runTrial(input: TrialInput): Promise<TrialResult> {
      const pipeline = await definitionWith(deps, input.pipeline, ML_SECTIONS, 'step optimize');
      const metric = primaryMetric(pipeline);
      const { trial } = input;
      const base = {
        trialId: trial.trialId, algorithm: trial.algorithm, params: trial.params, features: trial.features, budget: trial.budget,
        metric, higherIsBetter: METRICS[metric].higherIsBetter,
      };
      const recorded = await findTrial(deps.db, input.runId, trial.trialId);
      if (recorded) return { ...base, cvScore: recorded.metrics.cvScore, cvStd: recorded.metrics.cvStd };
      return failClosedOnBadData(async () => {
        // CV runs in a training thread (the event loop keeps heartbeating); it reads the local copy of the snapshot itself.
        await deps.artifacts.ensureLocal(input.dataset.uri);
        const cv = await keepHeartbeating((beat) => deps.training.crossValidateTrial(
          {
            artifactsRoot: deps.artifacts.root, snapshotUri: input.dataset.uri,
            holdoutFraction: pipeline.search.holdoutFraction, seed: pipeline.search.seed,
            spec: specOf(pipeline, trial), metric, folds: pipeline.search.folds, budget: trial.budget,
          },
          { onProgress: (p) => beat(p.kind === 'fold' ? { fold: p.done } : 'fitting'), signal: cancellationSignal() },
        ));
        await recordTrial(deps.db, input.runId, {
          trialId: trial.trialId,
          params: { ...trial.params, budget: trial.budget },
          metrics: { cvScore: cv.mean, cvStd: cv.std, rows: cv.rows },
        });
        return { ...base, cvScore: cv.mean, cvStd: cv.std };
      });
    },

    /** Fits the best spec on the training part, scores the holdout, and applies the gate (no gate → not blessed). */
    async trainCandidate(input: CandidateInput): Promise<CandidateResult> {
      const pipeline = await definitionWith(deps, input.pipeline, ML_SECTIONS, 'step optimize');
      return failClosedOnBadData(async () => {
        heartbeat('fitting');
        await deps.artifacts.ensureLocal(input.dataset.uri); // the thread reads the local copy
        const fit = await keepHeartbeating((beat) => deps.training.fitCandidate(
          {
            artifactsRoot: deps.artifacts.root, snapshotUri: input.dataset.uri,
            holdoutFraction: pipeline.search.holdoutFraction, seed: pipeline.search.seed, spec: specOf(pipeline, input.best),
          },
          { onProgress: () => beat('fitting'), signal: cancellationSignal() },
        ));
        const { rows, ...scores } = fit.holdout;
        const holdoutMetrics: Record<string, number> = { ...scores, holdoutRows: rows };
        const stored = await deps.artifacts.put(fit.modelJson); // the same bytes as putJson(model)
        const metric = primaryMetric(pipeline);
        // The serving champion is scored on the same holdout rows (none serving: nothing to decode).
        const served = await servingChampion(deps.db, deps.artifacts, pipeline.name);
        const test = served
          ? holdoutSplit(await loadSnapshot(deps.artifacts, input.dataset.uri), pipeline.target, pipeline.search.holdoutFraction, pipeline.search.seed, pipeline.task).test
          : null;
        const champion = served && test ? await scoreServingChampion(served, test, metric) : null;
        const decision = decideGate(pipeline.gate, holdoutMetrics[metric], champion);
        return { modelUri: stored.uri, holdoutMetrics, blessed: decision.blessed, gateReason: decision.reason, champion };
      });
    },
  };
}
