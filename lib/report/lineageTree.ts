// A lineage as a tree of labelled nodes (for the CLI's text and the HTML page): model → run → data → … → the next version.
import type { ModelLineage } from '../store/lineage.js';
import type { RunLineage } from '../store/lineageRuns.js';
import type { SnapshotLineage } from '../store/lineageSnapshot.js';

export interface TreeNode {
  label: string;
  children?: TreeNode[];
}

const short = (s: string, n = 12): string => (s.length > n ? `${s.slice(0, n)}…` : s);
const num = (x: number): string => (Number.isInteger(x) ? x.toLocaleString('en-US') : String(Number(x.toPrecision(4))));
const metrics = (m: Record<string, number>): string => Object.entries(m).map(([k, v]) => `${k} ${num(v)}`).join(', ');
const node = (label: string, children: TreeNode[] = []): TreeNode => (children.length ? { label, children } : { label });

function runNode(run: RunLineage): TreeNode {
  const steps = run.steps.map((s) =>
    node(
      `${s.stepId} (${s.uses}): ${s.status}${s.reusedFrom ? ` from ${s.reusedFrom}` : ''} · Temporal run ${s.temporalRunId} · code ${s.codeVersion ?? 'not recorded'}` +
        ` · cache key ${s.cacheKey ? short(s.cacheKey, 16) : '-'}${s.durationMs != null ? ` · ${num(s.durationMs / 1000)} s` : ''}` +
        `${s.failure ? ` · ${s.failure}` : s.summary ? ` · ${s.summary}` : ''}`,
    ),
  );
  const audit = run.audit.map((a) => node(`${a.at} ${a.actor} ${a.action}${auditDetail(a.details)}`));
  const repairs = run.repairs.map((r) => node(`repair: ${r.decision} failed run ${r.failedRunId}${r.newRunId ? ` → run ${r.newRunId}` : ''}${r.fromStep ? ` from step ${r.fromStep}` : ''}: ${r.reason}`));
  return node(
    `run ${run.workflowId} · Temporal run${run.temporalRunIds.length > 1 ? 's' : ''} ${run.temporalRunIds.join(', ')}` +
      (run.pipeline ? ` · definition ${run.pipeline.name}@${run.pipeline.version}` : ''),
    [...audit, ...steps, ...repairs],
  );
}

function dataNodes(run: RunLineage | null, l: ModelLineage): TreeNode[] {
  const snaps = run?.snapshots ?? [];
  const fromRun = snaps.map((d) => node(`snapshot ${d.id} · ${d.source} · ${num(d.rows)} rows · ${d.createdAt} · ${d.roles.join(', ')}`));
  const fromCard = l.model.cardLineage.filter((d) => !snaps.some((s) => s.id === d.id)).map((d) => node(`snapshot ${d.id} · ${d.source ?? '?'} · ${d.role ?? 'in the card'} (from the model card)`));
  return [...fromRun, ...fromCard];
}

function validationNode(run: RunLineage | null): TreeNode {
  const v = run?.validation;
  if (!v) return node('validation: none recorded');
  const counts = v.errors === null ? '' : `, ${v.errors} errors, ${v.warnings} warnings${v.quarantinedRows ? `, ${v.quarantinedRows} rows quarantined` : ''}`;
  return node(`validation: ${v.ok ? 'passed' : 'FAILED'} against schema v${v.schemaVersion}${counts} · run ${v.runId} · snapshot ${short(v.datasetId)}`, [
    node(`report ${v.htmlPath ?? v.reportUri}`),
  ]);
}

function searchNode(run: RunLineage | null): TreeNode {
  const s = run?.search;
  if (!s) return node('search: none recorded');
  const c = s.candidate;
  return node(`search: ${s.trials.length} trials · run ${s.runId}${s.best ? ` · best ${s.best.trialId} (CV ${s.best.metric} ${num(s.best.cvScore)})` : ''}`, [
    ...(c ? [node(`candidate: holdout ${metrics(c.holdoutMetrics)} · ${c.blessed ? 'blessed' : 'NOT blessed'}: ${c.gateReason}${c.champion ? ` · champion v${c.champion.version} scored ${num(c.champion.score)}` : ''}`)] : []),
  ]);
}

function rolloutNodes(l: ModelLineage): TreeNode[] {
  return l.rollouts.map((r) => {
    const vs = r.role === 'challenger' ? `this version (challenger) vs champion v${r.championVersion}` : `challenger v${r.challengerVersion} vs this version (champion)`;
    // A person's decision carries "promoted by <actor>: " in its reason already.
    const said = `${r.status.replace('_', ' ')} by ${r.decidedBy ?? '?'}: `;
    const reason = r.reason?.startsWith(said) ? r.reason.slice(said.length) : (r.reason ?? '');
    const outcome = r.status === 'running' ? `running (stage ${r.stage})` : `${said.slice(0, -2)} at ${r.decidedAt ?? '?'} (stage ${r.stage}): ${reason}`;
    const request = r.request ? [node(`requested by ${r.request.requestedBy} (${r.request.reason}) · policy of definition ${r.request.definition}`)] : [];
    const audit = r.audit.map((a) => node(`${a.at} ${a.actor} ${a.action}${auditDetail(a.details)}`));
    return node(`rollout ${r.workflowId} · Temporal run ${r.runId} · ${vs}: ${outcome}`, [...request, ...audit]);
  });
}

function auditDetail(d: Record<string, unknown>): string {
  const parts = ['stage', 'traffic', 'reason', 'refusal'].filter((k) => d[k] !== undefined && d[k] !== null).map((k) => `${k}: ${String(d[k])}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

function servedNode(l: ModelLineage): TreeNode {
  const { traffic, windows, windowCount } = l.served;
  const t = traffic.map((v) => node(`${v.variant}: ${num(v.requests)} answers, ${num(v.errors)} errors, ${v.firstMinute} – ${v.lastMinute}`));
  const w = windows.map((x) =>
    node(`monitor window ${x.monitorRunId} (${x.from}, ${x.to}] ${num(x.rows)} rows: ${!x.judged ? 'not judged' : x.breached ? `BREACH — ${x.reasons.join('; ')}` : 'within policy'}`),
  );
  const more = windowCount > windows.length ? [node(`… ${windowCount - windows.length} older windows not listed`)] : [];
  return node(`served: ${traffic.length ? '' : 'no traffic counted · '}${windowCount} monitor window${windowCount === 1 ? '' : 's'} as champion`, [...t, ...more, ...w]);
}

function incidentNodes(l: ModelLineage): TreeNode[] {
  return l.incidents.map((i) => {
    const retrain = i.retrain
      ? node(`retraining run ${i.retrain.workflowId} (decided by monitor run ${i.retrain.monitorRunId ?? '?'}, data ${i.retrain.dataVersion ?? '?'})`, [
          node(i.nextVersion ? `→ next version ${l.model.name}@${i.nextVersion}` : '→ no version registered by that run (yet)'),
        ])
      : node('no retraining run');
    return node(
      `incident #${i.id} ${i.status} · opened ${i.openedAt} by monitor run ${i.openedBy} (${i.breachedWindows} breaching window${i.breachedWindows === 1 ? '' : 's'}): ${i.reasons.join('; ')}` +
        (i.closedAt ? ` · closed ${i.closedAt} (${i.closeReason})` : ''),
      [retrain],
    );
  });
}

export function modelLineageTree(l: ModelLineage): TreeNode {
  const m = l.model;
  const origin = l.startedBy
    ? node(`started by ${l.startedBy.incidentId ? `incident #${l.startedBy.incidentId}` : 'a retraining decision'}${l.startedBy.previousVersion ? ` of ${m.name}@${l.startedBy.previousVersion}` : ''} · monitor run ${l.startedBy.monitorRunId}: ${l.startedBy.detail}`)
    : null;
  return node(`${m.name}@${m.version} · sha256 ${m.sha256} · registered ${m.createdAt}`, [
    ...(origin ? [origin] : []),
    l.run ? runNode(l.run) : node(`run ${l.producedBy}: no step records (an imported model, or a run from before steps were recorded)`),
    node('data', dataNodes(l.run, l)),
    validationNode(l.run),
    searchNode(l.run),
    node(`model: ${m.algorithm} · ${metrics(m.metrics)} · ${m.blessed === null ? 'no gate verdict' : m.blessed ? 'blessed' : 'NOT blessed'}${m.gateReason ? `: ${m.gateReason}` : ''}`, [
      node(`package ${m.uri}`),
    ]),
    node(`rollouts: ${l.rollouts.length || 'none'}`, rolloutNodes(l)),
    node(`audit: ${l.audit.length} entries outside rollouts`, l.audit.map((a) => node(`${a.at} ${a.actor} ${a.action}${auditDetail(a.details)}`))),
    servedNode(l),
    node(`incidents while champion: ${l.incidents.length || 'none'}`, incidentNodes(l)),
  ]);
}

export function snapshotLineageTree(l: SnapshotLineage): TreeNode {
  const s = l.snapshot;
  const section = (title: string, items: TreeNode[]): TreeNode => node(`${title}: ${items.length || 'none'}`, items);
  return node(`snapshot ${s.id} · ${s.source} · ${num(s.rows)} rows · pipeline ${s.pipeline} · ${s.createdAt}`, [
    section('runs', l.runs.map((r) => node(`run ${r.workflowId} · Temporal run${r.temporalRunIds.length > 1 ? 's' : ''} ${r.temporalRunIds.join(', ')}`,
      r.steps.map((x) => node(`${x.stepId} (${x.uses}): ${x.status}${x.reusedFrom ? ` from ${x.reusedFrom}` : ''} · code ${x.codeVersion ?? 'not recorded'}`))))),
    section('models', l.models.map((m) => node(`${m.name}@${m.version} (${m.role}) · sha256 ${short(m.sha256, 16)} · run ${m.runId}`))),
    section('validation reports', l.validations.map((v) => node(`run ${v.runId}: ${v.ok ? 'passed' : 'FAILED'} against schema v${v.schemaVersion}`))),
    section('pinned schemas inferred from it', l.schemas.map((x) => node(`${x.pipeline} schema v${x.version}`))),
    section('drift references', l.driftReferences.map((d) => node(`${d.name}@${d.version} is monitored against it`))),
    section('retraining runs with it', l.retrains.map((r) => node(`run ${r.workflowId} (incident #${r.incidentId ?? '-'}, monitor run ${r.monitorRunId})${r.datasets.length ? ` → snapshot ${r.datasets.map((d) => short(d)).join(', ')}` : ''}`))),
    section('batch scores', l.batchScores.map((b) => node(`job ${b.jobId} · ${b.model}@${b.version} · ${num(b.rows)} rows → ${b.output}${b.finished ? '' : ' (not finished)'}`))),
  ]);
}

/** The tree as indented text with box-drawing branches. */
export function renderTree(root: TreeNode): string {
  const lines = [root.label];
  const walk = (children: TreeNode[], prefix: string): void => {
    children.forEach((c, i) => {
      const last = i === children.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${c.label}`);
      if (c.children) walk(c.children, `${prefix}${last ? '   ' : '│  '}`);
    });
  };
  walk(root.children ?? [], '');
  return lines.join('\n');
}
