// The built-in `package` step: ONNX with preprocessing, parity, model card, a registered version.
import type { StepOutputs } from '../../contracts/steps.js';
import { stepActivities } from '../policies.js';
import { need, type StepRun } from './run.js';

export async function runPackage(r: StepRun): Promise<StepOutputs> {
  const { input, step, runId } = r;
  const candidate = need(r, 'candidate');
  r.report(`exporting ONNX (${candidate.candidate.blessed ? 'blessed' : 'not blessed'}: ${candidate.candidate.gateReason})`);
  const model = await stepActivities(step, step.id).packageModel({ runId, pipeline: input.pipeline, candidate });
  return { model, summary: `${model.name}@${model.version} registered (parity ${model.parityMaxAbsDiff.toExponential(1)})` };
}
