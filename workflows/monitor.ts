// The monitor workflow, started by a schedule: one window per run; a breach incident starts at most one retraining run.
import { proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from './policies.js';
import { startLifecycleOnce } from './startOnce.js';
import { NON_RETRYABLE_TYPES } from '../contracts/failures.js';
import type { MonitorInput, MonitorResult, MonitorWindowResult, RetrainDecision } from '../contracts/types.js';

const retry = { maximumAttempts: 5, initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE_TYPES };
const { computeMonitorWindow } = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', retry, summary: 'drift and quality of one window' });
const { decideRetrain, recordRetrainStart } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry, summary: 'incident and retraining decision' });

function windowLine(w: MonitorWindowResult): string {
  const head = `window (${w.fromPredictionId}, ${w.toPredictionId}]: ${w.rows} rows — `;
  if (!w.evaluated) return head + `not judged: ${w.notJudged?.reason ?? 'unknown'}` + (w.reportHtml ? `\n\nreport: ${w.reportHtml}` : '');
  return head + (w.breached ? `**breach**: ${w.reasons.join('; ')}` : 'within policy') + `\n\nreport: ${w.reportHtml ?? w.reportUri}`;
}

function decisionLine(d: RetrainDecision): string {
  const closed = d.closed.map((c) => `incident #${c.id} closed: ${c.reason}`);
  const verb = d.decision === 'retrain' ? 'retraining' : d.decision === 'skip' ? `no retraining (${d.reason})` : 'no incident';
  return [...closed, `${verb}: ${d.detail}`].join('\n\n');
}

export async function monitorWorkflow(input: MonitorInput): Promise<MonitorResult> {
  const monitorRunId = workflowInfo().workflowId;
  const window = await computeMonitorWindow({ monitorRunId, pipeline: input.pipeline });
  setCurrentDetails(windowLine(window));
  // A window not judged changes no incident: it neither opens one nor shows the model back within policy.
  if (!window.evaluated) return { window, retrainWorkflowId: null, decision: null };
  const decision = await decideRetrain({ monitorRunId, pipeline: input.pipeline, window });
  setCurrentDetails(`${windowLine(window)}\n\n${decisionLine(decision)}`);
  if (decision.decision !== 'retrain' || !decision.workflowId || !decision.source || !decision.dataVersion || decision.incidentId === null) {
    return { window, retrainWorkflowId: null, decision };
  }
  // REJECT_DUPLICATE: a run of this id (this monitor run retried or rerun, or the same training data) is the one run.
  const started = await startLifecycleOnce(
    decision.workflowId,
    { pipeline: input.pipeline, source: decision.source, sourceDigest: decision.dataVersion, dataVersion: decision.dataVersion, reason: `monitor breach: ${window.reasons.join('; ')}` },
    `retrain ${input.pipeline.name}: incident #${decision.incidentId}, window up to prediction ${window.toPredictionId}`,
  );
  await recordRetrainStart({ monitorRunId, incidentId: decision.incidentId, workflowId: decision.workflowId, started });
  setCurrentDetails(`${windowLine(window)}\n\n${decisionLine(decision)}${started ? '' : ' (a run of this id existed already)'}`);
  return { window, retrainWorkflowId: decision.workflowId, decision };
}
