// The repair round as a workflow (what the repair schedule and `mlcycle repair` start): one activity decides and acts.
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import { NON_RETRYABLE_TYPES } from '../contracts/failures.js';
import type { RepairInput, RepairResult } from '../contracts/types.js';
import type { Activities } from './policies.js';

const { repairRound } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  // A round whose worker is lost is noticed in 30 s (not at the 5 minutes), and retried elsewhere.
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '2 seconds', nonRetryableErrorTypes: NON_RETRYABLE_TYPES },
  summary: 'find failed runs; restart, refuse or park each',
});

export async function repairWorkflow(input: RepairInput): Promise<RepairResult> {
  const result = await repairRound(input);
  const lines = result.decisions.map((d) => `- **${d.action}** ${d.workflowId} (${d.failureType ?? d.status}${d.step ? `, step ${d.step}` : ''}): ${d.reason}`);
  const healed = result.outcomes.map((o) => `- ${o.workflowId}: repair run ${o.newRunId} ${o.outcome}`);
  setCurrentDetails(`${input.dryRun ? '**dry run** — ' : ''}${result.decisions.length} failed run(s) looked at\n\n${[...lines, ...healed].join('\n') || 'nothing to repair'}`);
  return result;
}
