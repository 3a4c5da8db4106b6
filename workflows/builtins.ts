// The built-in steps as the interpreter runs them: each takes its inputs (references) and returns its outputs.
import { upsertMemo } from '@temporalio/workflow';
import { failure } from '../contracts/failures.js';
import type { PlannedStep, StepInputs, StepOutputs } from '../contracts/steps.js';
import type { LifecycleInput, LifecycleProgress } from '../contracts/types.js';
import type { ApprovalDesk } from './approval.js';
import { approvalStep } from './approvalStep.js';
import { optimize } from './optimize.js';
import { stepActivities } from './policies.js';
import { startRolloutChild } from './startRollout.js';
import { monitorScheduleId } from '../contracts/names.js';

export interface StepRun {
  runId: string;
  input: LifecycleInput;
  step: PlannedStep;
  inputs: StepInputs;
  progress: LifecycleProgress;
  report(message: string): void;
  /** The run's approval requests (the `approval` step waits on them). */
  approvals?: ApprovalDesk;
}

function describeSource(source: LifecycleInput['source']): string {
  if (source.kind === 'file') return source.path;
  if (source.kind === 'postgres') return `a Postgres query (${source.query.slice(0, 60)})`;
  return `labelled traffic of ${source.modelName}`;
}

/** An input the plan promised; its absence is a bug in the plan, named as such. */
function need<K extends keyof StepInputs>(r: StepRun, kind: K): NonNullable<StepInputs[K]> {
  const value = r.inputs[kind];
  if (value === undefined || value === null) throw failure('BadDefinition', `step "${r.step.id}" got no "${String(kind)}" input`);
  return value as NonNullable<StepInputs[K]>;
}

export async function runBuiltin(r: StepRun): Promise<StepOutputs> {
  const { step, input, runId } = r;
  const activities = stepActivities(step, step.id);
  switch (step.uses) {
    case 'ingest': {
      r.report(`reading ${describeSource(input.source)}`);
      const dataset = await activities.ingestDataset({ pipeline: input.pipeline.name, source: input.source, definition: input.pipeline });
      return { dataset, summary: `${dataset.rows} rows, ${dataset.columns.length} columns from ${dataset.source}` };
    }
    case 'validate': {
      const dataset = need(r, 'dataset');
      r.report(`checking ${dataset.rows} rows against the pinned schema`);
      const validation = await activities.validateDataset({ runId, pipeline: input.pipeline, dataset });
      upsertMemo({ validationReport: validation.reportHtml, validationOk: validation.ok });
      if (!validation.ok) {
        const issues = validation.topIssues.map((i) => `- ${i.message}`).join('\n');
        throw failure('DataValidationFailed', `data ${dataset.id.slice(0, 12)} failed validation with ${validation.errors} error(s):\n${issues}\nreport: ${validation.reportHtml}`, validation);
      }
      const quarantine = validation.quarantinedRows ? `; ${validation.quarantinedRows} row(s) quarantined` : '';
      return { validation, dataset: validation.trainingDataset, summary: `passed (${validation.warnings} warning(s)${quarantine}); report ${validation.reportHtml}` };
    }
    case 'optimize': {
      const dataset = need(r, 'dataset');
      r.report('planning the search');
      const { trials, bestTrial, candidate } = await optimize(runId, input.pipeline, step, dataset, r.progress, r.report);
      const verdict = candidate.blessed ? 'blessed' : `not blessed: ${candidate.gateReason}`;
      return { candidate: { dataset, trials, bestTrial, candidate }, summary: `${trials.length} trials, best ${bestTrial.trialId}; ${verdict}` };
    }
    case 'package': {
      const candidate = need(r, 'candidate');
      r.report(`exporting ONNX (${candidate.candidate.blessed ? 'blessed' : 'not blessed'}: ${candidate.candidate.gateReason})`);
      const model = await activities.packageModel({ runId, pipeline: input.pipeline, candidate });
      return { model, summary: `${model.name}@${model.version} registered (parity ${model.parityMaxAbsDiff.toExponential(1)})` };
    }
    case 'rollout': {
      const model = need(r, 'model');
      // Fail closed: an unblessed model is never served (the activity checks the registry again).
      if (!model.blessed) return { deployment: null, summary: `${model.name}@${model.version} not deployed: ${model.gateReason}` };
      r.report(`serving ${model.name}@${model.version}`);
      const plan = await activities.planDeployment({ runId, pipeline: input.pipeline, model, reason: input.reason });
      if (plan.action === 'champion') return { deployment: plan.deployment, summary: `${model.name}@${model.version} serves as champion` };
      if (plan.action === 'hold') return { deployment: null, summary: plan.reason };
      if (plan.action === 'requested') return { deployment: plan.deployment, summary: plan.summary };
      return startRolloutChild(plan.input, plan.championVersion, monitorScheduleId(input.pipeline.name));
    }
    case 'approval':
      if (!r.approvals) throw failure('BadDefinition', `step "${step.id}": approvals are not set up in this workflow`);
      return approvalStep(r, r.approvals);
    default:
      throw failure('BadDefinition', `"${step.uses}" is not a built-in step`);
  }
}
