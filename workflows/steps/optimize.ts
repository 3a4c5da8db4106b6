// The built-in `optimize` step: the search fanned out as trials (workflows/optimize.ts), the winner trained and gated.
import type { StepOutputs } from '../../contracts/steps.js';
import { optimize } from '../optimize.js';
import { need, type StepRun } from './run.js';

export async function runOptimize(r: StepRun): Promise<StepOutputs> {
  const dataset = need(r, 'dataset');
  r.report('planning the search');
  const { trials, bestTrial, candidate } = await optimize(r.runId, r.input.pipeline, r.step, dataset, r.progress, r.report);
  const verdict = candidate.blessed ? 'blessed' : `not blessed: ${candidate.gateReason}`;
  return { candidate: { dataset, trials, bestTrial, candidate }, summary: `${trials.length} trials, best ${bestTrial.trialId}; ${verdict}` };
}
