// The lifecycle workflow: ingest → validate → optimize → package → deploy, durable and resumable.
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  setHandler,
  setCurrentDetails,
  upsertMemo,
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

function describeSource(source: LifecycleInput['source']): string {
  if (source.kind === 'file') return source.path;
  if (source.kind === 'postgres') return `a Postgres query (${source.query.slice(0, 60)})`;
  return `labelled traffic of ${source.modelName}`;
}

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
  /** Marks the run failed where people look (details, the MlcycleStep search attribute). */
  const failed = (details: string): void => {
    progress.step = 'failed';
    upsertSearchAttributes([{ key: STEP_ATTRIBUTE, value: 'failed' }]);
    setCurrentDetails(details);
  };

  enter('ingest', `reading ${describeSource(input.source)}`);
  const dataset = await ingestDataset({ pipeline: input.pipeline.name, source: input.source }).catch((err: unknown) => {
    // Unreadable data ends the run with the reader's own message (file, row, column), not a generic activity failure.
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'DataError') {
      failed(`**ingest failed**: ${err.cause.message}`);
      throw ApplicationFailure.create({ type: 'DataError', nonRetryable: true, message: err.cause.message });
    }
    throw err;
  });

  enter('validate', `checking ${dataset.rows} rows against the pinned schema`);
  const validation = await validateDataset({ runId, pipeline: input.pipeline, dataset });
  upsertMemo({ validationReport: validation.reportHtml, validationOk: validation.ok });
  if (!validation.ok) {
    const issues = validation.topIssues.map((i) => `- ${i.message}`).join('\n');
    failed(`**validation failed** (${validation.errors} errors)\n\n${issues}\n\nreport: ${validation.reportHtml}`);
    throw ApplicationFailure.create({
      type: 'DataValidationFailed',
      nonRetryable: true,
      message: `data ${dataset.id.slice(0, 12)} failed validation with ${validation.errors} error(s):\n${issues}`,
      details: [validation],
    });
  }

  const training = validation.trainingDataset;
  const quarantine = validation.quarantinedRows ? `; ${validation.quarantinedRows} row(s) quarantined` : '';
  enter('optimize', `planning the search (validation: ${validation.warnings} warning(s)${quarantine}; report ${validation.reportHtml})`);
  const { trials, bestTrial, candidate } = await optimize(runId, input.pipeline, training, progress, (m) => enter('optimize', m));

  enter('package', `exporting ONNX (${candidate.blessed ? 'blessed' : 'not blessed'}: ${candidate.gateReason})`);
  const model = await packageModel({ runId, pipeline: input.pipeline, dataset: training, candidate, trials });

  let deployment: LifecycleResult['deployment'] = null;
  if (candidate.blessed) {
    enter('deploy', `serving ${model.name}@${model.version}`);
    deployment = await deployModel({ pipeline: input.pipeline, model, reason: input.reason });
  }
  enter('done', deployment ? `${model.name}@${model.version} serves as ${deployment.role}` : `${model.name}@${model.version} registered, not deployed: ${candidate.gateReason}`);
  return { dataset, validation, trials, bestTrial, candidate, model, deployment };
}
