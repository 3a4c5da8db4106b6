// `mlcycle status`: recent lifecycle runs, model versions with their roles, rollouts, repairs, the last monitor windows.
import type { Client } from '@temporalio/client';
import type { Db } from '../lib/store/db.js';
import { listValidationReports, type ValidationReportRow } from '../lib/store/datasets.js';
import { listDeployments, listModelVersions } from '../lib/store/models.js';
import { stepRunsOf } from '../lib/store/stepResults.js';
import { listRepairs, type RepairRow } from '../lib/store/repairs.js';
import { listRollouts, type RolloutRow } from '../lib/store/rollouts.js';
import { queuedRequests, requestsOfRuns, type RolloutRequestRow } from '../lib/store/rolloutRequests.js';
import { queuedBehind } from './rolloutQueue.js';
import { LIFECYCLE_WORKFLOW, REPAIR_OF_ATTRIBUTE } from '../contracts/names.js';

export interface StatusReport {
  runs: {
    workflowId: string;
    /** A repair restarts a failed run under the same workflow id: the run id tells them apart. */
    runId: string;
    status: string;
    startTime: string;
    /** A repair run: the failed run it repairs. */
    repairOf: string | null;
    /** A failed run that a repair restarted: that run and how it stands (RUNNING, COMPLETED, FAILED…). */
    repairedBy: { runId: string; status: string } | null;
    /** Each step's last record in this run: executed, reused (from which run) or failed (with the failure type). */
    steps: { id: string; status: string; reusedFrom: string | null; failure: string | null }[];
  }[];
  models: { name: string; version: number; role: string; algorithm: string; metric: string; score: number | null; blessed: boolean | null; createdAt: string }[];
  validations: ValidationReportRow[];
  /** A restart whose outcome no round has recorded yet has it from its run (healed, ended failed…; null while running). */
  repairs: RepairRow[];
  /** Each with the stored definition version its policy came from, when it began from a request. */
  rollouts: (RolloutRow & { definition: string | null })[];
  /** Versions waiting for a model's running rollout to end, oldest first, with where each waits. */
  queued: (RolloutRequestRow & { behind: string })[];
  monitor: { modelName: string; window: string; rows: number; breached: boolean; reasons: string[]; report: string | null; notJudged: string | null }[];
}

export async function collectStatus(client: Client, db: Db, limit = 20): Promise<StatusReport> {
  const runs: StatusReport['runs'] = [];
  for await (const w of client.workflow.list({ query: `WorkflowType="${LIFECYCLE_WORKFLOW}"` })) {
    const repairOf = (w.searchAttributes?.[REPAIR_OF_ATTRIBUTE.name] as string[] | undefined)?.[0] ?? null;
    runs.push({ workflowId: w.workflowId, runId: w.runId, status: w.status.name, startTime: w.startTime.toISOString(), repairOf, repairedBy: null, steps: [] });
    if (runs.length >= limit) break;
  }
  const repairs = await listRepairs(db, limit);
  for (const run of runs) {
    const last = new Map<string, StatusReport['runs'][number]['steps'][number]>();
    for (const r of await stepRunsOf(db, run.workflowId)) {
      if (r.temporalRunId !== run.runId) continue;
      last.set(r.stepId, { id: r.stepId, status: r.status, reusedFrom: r.reusedFrom ?? null, failure: r.status === 'failed' ? `${r.failureType ?? 'error'}: ${r.error ?? ''}` : null });
    }
    run.steps = [...last.values()];
    const restart = repairs.find((x) => x.failedRunId === run.runId && x.newRunId);
    if (restart?.newRunId) run.repairedBy = { runId: restart.newRunId, status: await runStatus(client, runs, run.workflowId, restart.newRunId) };
  }
  // A restart's outcome is recorded by the next repair round; until then it is read from the repair run itself.
  for (const r of repairs) {
    if (r.decision !== 'restarted' || !r.newRunId || r.outcome) continue;
    const known = runs.find((x) => x.repairedBy?.runId === r.newRunId)?.repairedBy?.status ?? (await runStatus(client, runs, r.workflowId, r.newRunId));
    r.outcome = known === 'RUNNING' || known === 'UNKNOWN' ? null : known === 'COMPLETED' ? 'healed' : `ended ${known.toLowerCase()}`;
  }
  const deployments = new Map((await listDeployments(db)).map((d) => [d.modelName, d]));
  const rolloutRows = await listRollouts(db, undefined, limit);
  const requests = await requestsOfRuns(db, rolloutRows.map((r) => r.runId));
  const rollouts = rolloutRows.map((r) => {
    const q = requests.get(r.runId);
    return { ...r, definition: q ? `${q.definition.name}@${q.definition.version}` : null };
  });
  const waiting = await queuedRequests(db);
  const queued = waiting.map((q) => {
    const ofModel = waiting.filter((x) => x.modelName === q.modelName);
    const running = rolloutRows.find((r) => r.modelName === q.modelName && r.status === 'running')?.challengerVersion ?? null;
    return { ...q, behind: queuedBehind(ofModel, ofModel.indexOf(q), running) };
  });
  const models = (await listModelVersions(db)).map((m) => {
    const d = deployments.get(m.name);
    const waits = queued.find((q) => q.modelName === m.name && q.version === m.version);
    const role =
      d?.championVersion === m.version ? 'champion'
        : d?.challengerVersion === m.version ? `challenger (${d.challengerMode === 'shadow' ? 'shadowing' : 'answering'} ${Math.round(d.challengerWeight * 100)}% of units)`
          : waits ? waits.behind.split(' (')[0] : '-';
    const metric = m.card.primaryMetric;
    const score = m.metrics[metric] ?? null;
    return { name: m.name, version: m.version, role, algorithm: m.card.algorithm.split(' (')[0], metric, score, blessed: m.card.gate?.blessed ?? null, createdAt: m.createdAt };
  });
  const monitorRows = await db.query<{ model_name: string; from_prediction_id: number; to_prediction_id: number; rows: number; breached: boolean; reasons: string[]; html: string | null; not_judged: string | null }>(
    `SELECT model_name, from_prediction_id, to_prediction_id, rows, breached, report->'reasons' AS reasons, report->>'html' AS html,
            CASE WHEN NOT judged THEN COALESCE(not_judged_reason, 'not judged') END AS not_judged
       FROM monitor_reports ORDER BY id DESC LIMIT $1`,
    [limit],
  );
  const monitor = monitorRows.rows.map((r) => ({
    modelName: r.model_name,
    window: `(${r.from_prediction_id}, ${r.to_prediction_id}]`,
    rows: r.rows,
    breached: r.breached,
    reasons: r.reasons,
    report: r.html,
    notJudged: r.not_judged,
  }));
  return { runs, models, validations: await listValidationReports(db, limit), monitor, repairs, rollouts, queued };
}

/** A run's status: from the listing when it is there, else asked of Temporal (UNKNOWN when it cannot say). */
async function runStatus(client: Client, listed: StatusReport['runs'], workflowId: string, runId: string): Promise<string> {
  const known = listed.find((r) => r.runId === runId);
  if (known) return known.status;
  return client.workflow.getHandle(workflowId, runId).describe().then((d) => d.status.name, () => 'UNKNOWN');
}

export function formatStatus(s: StatusReport): string {
  const lines: string[] = ['Lifecycle runs (newest first):'];
  if (s.runs.length === 0) lines.push('  (none)');
  const mark: Record<string, string> = { executed: '✓', reused: '↺', failed: '✗' };
  for (const r of s.runs) {
    lines.push(`  ${r.status.padEnd(11)} ${r.workflowId}  run ${r.runId}  started ${r.startTime}`);
    if (r.repairOf) lines.push(`    repairs run ${r.repairOf}`);
    if (r.repairedBy) {
      lines.push(r.repairedBy.status === 'RUNNING' ? `    repair running: run ${r.repairedBy.runId}` : `    repaired by run ${r.repairedBy.runId}: ${r.repairedBy.status}`);
    }
    // A large run is counted, not listed (its first failure is still named below).
    if (r.steps.length > 30) {
      const n = (status: string): number => r.steps.filter((st) => st.status === status).length;
      lines.push(`    steps: ${r.steps.length} in this run: ${n('executed')} executed, ${n('reused')} reused, ${n('failed')} failed`);
    } else if (r.steps.length) lines.push(`    steps: ${r.steps.map((st) => `${mark[st.status] ?? '?'} ${st.id}`).join('  ')}`);
    const reused = r.steps.filter((st) => st.reusedFrom).length;
    const from = [...new Set(r.steps.map((st) => st.reusedFrom).filter(Boolean))];
    if (reused) lines.push(`    ${reused} step(s) reused from ${from.slice(0, 3).join(', ')}${from.length > 3 ? ` and ${from.length - 3} more runs` : ''}`);
    for (const st of r.steps.filter((x) => x.failure)) lines.push(`    ${st.id} failed: ${st.failure?.split('\n')[0].slice(0, 200)}`);
  }
  lines.push('', 'Model versions:');
  if (s.models.length === 0) lines.push('  (none)');
  for (const m of s.models) {
    const score = m.score === null ? '' : `holdout ${m.metric} ${m.score.toFixed(3)}`;
    const gate = m.blessed === null ? '' : m.blessed ? 'blessed' : 'not blessed';
    lines.push(`  ${`${m.name}@${m.version}`.padEnd(24)} ${m.role.padEnd(26)} ${score.padEnd(26)} ${gate.padEnd(12)} ${m.algorithm}`);
  }
  lines.push('', 'Validation reports (newest first):');
  if (s.validations.length === 0) lines.push('  (none)');
  for (const v of s.validations) {
    lines.push(`  ${v.ok ? 'passed' : 'FAILED'} ${v.runId}  ${v.createdAt}`);
    if (v.htmlPath) lines.push(`    report: ${v.htmlPath}`);
  }
  lines.push('', 'Rollouts (newest first; live state: npx mlcycle rollout status <model>):');
  if (s.rollouts.length === 0) lines.push('  (none)');
  for (const r of s.rollouts) {
    const state = r.status === 'running' ? `running, ${r.stage}` : `${r.status.replace('_', ' ')} by ${r.decidedBy} (${r.stage})`;
    lines.push(`  ${`${r.modelName}@${r.challengerVersion}`.padEnd(24)} vs v${r.championVersion}  ${state}  started ${r.startedAt}${r.definition ? `  policy of ${r.definition}` : ''}`);
    if (r.reason) lines.push(`    ${r.reason.split('\n')[0].slice(0, 200)}`);
  }
  for (const q of s.queued) {
    lines.push(`  ${`${q.modelName}@${q.version}`.padEnd(24)} ${q.behind}  requested ${q.requestedAt} by ${q.requestedBy}  policy of ${q.definition.name}@${q.definition.version}`);
  }
  lines.push('', 'Repairs (newest first):');
  if (s.repairs.length === 0) lines.push('  (none)');
  for (const r of s.repairs) {
    const run = r.newRunId ? ` → run ${r.newRunId}${r.outcome ? ` ${r.outcome}` : ' running'}` : r.outcome ? ` (${r.outcome})` : '';
    lines.push(`  ${r.decision.padEnd(14)} ${r.workflowId} (failed run ${r.failedRunId}, attempt ${r.attempt}${r.fromStep ? `, step ${r.fromStep}` : ''})${run}`);
    lines.push(`    ${r.reason.split('\n')[0].slice(0, 200)}`);
  }
  lines.push('', 'Monitor windows (newest first):');
  if (s.monitor.length === 0) lines.push('  (none yet)');
  for (const w of s.monitor) {
    lines.push(`  ${w.modelName} ${w.window} ${w.rows} rows: ${w.notJudged ? `NOT JUDGED — ${w.notJudged}` : w.breached ? `BREACH — ${w.reasons.join('; ')}` : 'ok'}`);
    if (w.report) lines.push(`    report: ${w.report}`);
  }
  return lines.join('\n');
}
