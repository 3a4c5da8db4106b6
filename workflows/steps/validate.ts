// The built-in `validate` step: checks the data against the pinned schema, expectations and skew; fails closed.
import { upsertMemo } from '@temporalio/workflow';
import { failure } from '../../contracts/failures.js';
import type { StepOutputs } from '../../contracts/steps.js';
import { stepActivities } from '../policies.js';
import { need, type StepRun } from './run.js';

export async function runValidate(r: StepRun): Promise<StepOutputs> {
  const { input, step, runId } = r;
  const dataset = need(r, 'dataset');
  r.report(`checking ${dataset.rows} rows against the pinned schema`);
  const validation = await stepActivities(step, step.id).validateDataset({ runId, pipeline: input.pipeline, dataset });
  upsertMemo({ validationReport: validation.reportHtml, validationOk: validation.ok });
  if (!validation.ok) {
    const issues = validation.topIssues.map((i) => `- ${i.message}`).join('\n');
    throw failure('DataValidationFailed', `data ${dataset.id.slice(0, 12)} failed validation with ${validation.errors} error(s):\n${issues}\nreport: ${validation.reportHtml}`, validation);
  }
  const quarantine = validation.quarantinedRows ? `; ${validation.quarantinedRows} row(s) quarantined` : '';
  return { validation, dataset: validation.trainingDataset, summary: `passed (${validation.warnings} warning(s)${quarantine}); report ${validation.reportHtml}` };
}
