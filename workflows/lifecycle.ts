// The lifecycle workflow: ingest → validate → optimize → package → deploy, durable and resumable.
import {
  ApplicationFailure,
  proxyActivities,
  setHandler,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { PIPELINE_ATTRIBUTE, STEP_ATTRIBUTE, progressQuery } from './names.js';
import { optimize } from './optimize.js';
import type { LifecycleInput, LifecycleProgress, LifecycleResult, LifecycleStep } from './types.js';

type Activities = ReturnType<typeof createActivities>;

const NON_RETRYABLE = ['BadInput', 'DataError', 'DataValidationFailed', 'ParityCheckFailed', 'PipelineError'];

const { ingestDataset, validateDataset, packageModel, deployModel } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
});

export async function lifecycleWorkflow(input: LifecycleInput): Promise<LifecycleResult> {
  const runId = workflowInfo().workflowId;
  const progress: LifecycleProgress = { step: 'ingest', completedSteps: [], trialsDone: 0, trialsTotal: 0, message: 'starting', events: [] };
  setHandler(progressQuery, () => progress);
  upsertSearchAttributes([{ key: PIPELINE_ATTRIBUTE, value: input.pipeline.name }]);

  const enter = (step: LifecycleStep, message: string): void => {
    if (progress.step !== step && progress.step !== 'failed') progress.completedSteps.push(progress.step);
    progress.step = step;
    progress.message = message;
    progress.events.push({ seq: (progress.events.at(-1)?.seq ?? 0) + 1, step, message });
    if (progress.events.length > 50) progress.events.shift();
    upsertSearchAttributes([{ key: STEP_ATTRIBUTE, value: step }]);
    setCurrentDetails(`**${step}** — ${message}\n\nreason: ${input.reason}`);
  };

  enter('ingest', `reading ${input.source.kind === 'file' ? input.source.path : `feedback of ${input.source.modelName}`}`);
  const dataset = await ingestDataset({ pipeline: input.pipeline.name, source: input.source });

  enter('validate', `checking ${dataset.rows} rows against the pinned schema`);
  const validation = await validateDataset({ runId, pipeline: input.pipeline, dataset });
  if (!validation.ok) {
    progress.step = 'failed';
    const issues = validation.topIssues.map((i) => `- ${i.message}`).join('\n');
    setCurrentDetails(`**validation failed** (${validation.errors} errors)\n\n${issues}\n\nreport: ${validation.reportUri}`);
    throw ApplicationFailure.create({
      type: 'DataValidationFailed',
      nonRetryable: true,
      message: `data ${dataset.id.slice(0, 12)} failed validation with ${validation.errors} error(s):\n${issues}`,
      details: [validation],
    });
  }

  enter('optimize', 'planning the search');
  const { trials, bestTrial, candidate } = await optimize(runId, input.pipeline, dataset, progress, (m) => enter('optimize', m));

  enter('package', `exporting ONNX (${candidate.blessed ? 'blessed' : 'not blessed'}: ${candidate.gateReason})`);
  const model = await packageModel({ runId, pipeline: input.pipeline, dataset, candidate, trials });

  let deployment: LifecycleResult['deployment'] = null;
  if (candidate.blessed) {
    enter('deploy', `serving ${model.name}@${model.version}`);
    deployment = await deployModel({ pipeline: input.pipeline, model, reason: input.reason });
  }
  enter('done', deployment ? `${model.name}@${model.version} serves as ${deployment.role}` : `${model.name}@${model.version} registered, not deployed: ${candidate.gateReason}`);
  return { dataset, validation, bestTrial, candidate, model, deployment };
}
