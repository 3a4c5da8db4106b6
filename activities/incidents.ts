// The monitor's retraining decision: breach incidents, cool-down, new labels, and the content-addressed retraining data.
import { createHash } from 'node:crypto';
import { retrainSchema } from '../lib/config/retrain.js';
import { inTransaction, type Queryable } from '../lib/store/db.js';
import {
  closeIncident, decisionForWorkflow, findDecision, lastRetrainDecision, listIncidents, lockModelIncidents, markRetrainStarted, noteDecisionOutcome, noteIncidentWindow, openIncident, openIncidentOf,
  saveDecision, type IncidentRow, type RetrainDecisionRow,
} from '../lib/store/incidents.js';
import { clockAndWindowStart, countLabelsSince, selectLabelled } from '../lib/store/labelled.js';
import { getModelVersion } from '../lib/store/models.js';
import { lifecycleWorkflowId, retrainDataVersion } from '../contracts/names.js';
import type { DataSource, PipelineDefinition, RetrainDecision, RetrainDecisionInput } from '../contracts/types.js';
import { definitionOf } from './definitions.js';
import type { ActivityDeps } from './deps.js';
import { sendEvent } from './events.js';
import type { IncidentClosedEvent, IncidentOpenedEvent } from '../contracts/webhookEvents.js';
import { WEBHOOK_EVENT_VERSION } from '../lib/webhooks/post.js';

type Draft = Omit<RetrainDecisionRow, 'monitorRunId' | 'modelName' | 'closed' | 'incidentId'>;
const skip = (reason: string, detail: string, extra: Partial<Draft> = {}): Draft => ({
  decision: 'skip', reason, detail, workflowId: null, dataVersion: null, source: null, labelsUpTo: null, newLabels: null, ...extra,
});

function toDecision(row: RetrainDecisionRow): RetrainDecision {
  return {
    decision: row.decision, reason: row.reason, detail: row.detail, incidentId: row.incidentId, workflowId: row.workflowId,
    dataVersion: row.dataVersion, source: (row.source as DataSource | null) ?? null, closed: row.closed,
  };
}

/** For a breaching window with an open incident: start its one retraining run, or say by name why not. */
async function decideForIncident(tx: Queryable, pipeline: PipelineDefinition, incident: IncidentRow, toPredictionId: number): Promise<Draft> {
  const policy = retrainSchema.parse(pipeline.retrain ?? {});
  const model = pipeline.name;
  if (!policy.enabled) return skip('retrain_disabled', `incident #${incident.id}: retraining is disabled (retrain.enabled = false)`);
  if (incident.retrainWorkflowId && incident.retrainStartedAt) {
    return skip('incident_open', `incident #${incident.id} open since ${incident.openedAt}; retraining run ${incident.retrainWorkflowId} already started`);
  }
  const chosen = incident.retrainWorkflowId ? await decisionForWorkflow(tx, incident.retrainWorkflowId) : null;
  if (chosen) {
    // Decided by an earlier window whose monitor run ended before recording the start: start that same run (REJECT_DUPLICATE).
    const { workflowId, dataVersion, source, labelsUpTo, newLabels } = chosen;
    const detail = `incident #${incident.id}: retraining run ${workflowId}, chosen by an earlier window, is not recorded as started: starting it`;
    return { decision: 'retrain', reason: 'breach', detail, workflowId, dataVersion, source, labelsUpTo, newLabels };
  }
  const last = await lastRetrainDecision(tx, model);
  if (last && last.ageSeconds < policy.cooldownSeconds) {
    return skip('cooldown', `incident #${incident.id}: the last retraining run ${last.workflowId} started ${Math.round(last.ageSeconds)} s ago; cool-down retrain.cooldownSeconds = ${policy.cooldownSeconds} s`);
  }
  const newLabels = await countLabelsSince(tx, model, last?.labelsUpTo ?? null);
  if (newLabels < policy.minNewLabels) {
    const since = last ? `since the data of the last retraining run ${last.workflowId} (labels up to ${last.labelsUpTo})` : 'so far';
    return skip('too_few_new_labels', `incident #${incident.id}: ${newLabels} new labelled rows ${since}; retrain.minNewLabels = ${policy.minNewLabels}`, { newLabels });
  }
  const { now, fromPredictionId } = await clockAndWindowStart(tx, model, policy.window.days ?? null);
  const selection = { fromPredictionId, upToPredictionId: toPredictionId, labelsUpTo: now, maxRows: policy.window.maxRows ?? null };
  const rows = await selectLabelled(tx, model, selection, false);
  if (rows.length === 0) return skip('no_labelled_data', `incident #${incident.id}: no labelled request in the retraining window`, { newLabels });
  const champion = policy.includeChampionData ? await getModelVersion(tx, model, incident.championVersion) : null;
  const championDatasetId = champion?.datasetId ?? null;
  // The run's id comes from its training data: the included (prediction id, label) pairs and the champion's dataset.
  const hash = createHash('sha256').update(JSON.stringify({ model, championDatasetId }));
  for (const r of rows) hash.update(`\n${r.id}\t${r.label}`);
  const dataVersion = retrainDataVersion(hash.digest('hex'));
  const workflowId = lifecycleWorkflowId(model, dataVersion);
  const source: DataSource = { kind: 'feedback', modelName: model, ...selection, championDatasetId };
  const withChampion = championDatasetId ? ` + the champion v${incident.championVersion}'s training data` : '';
  return {
    decision: 'retrain', reason: 'breach', workflowId, dataVersion, source, labelsUpTo: now, newLabels,
    detail: `incident #${incident.id}: retraining run ${workflowId} on ${rows.length} labelled requests${withChampion} (${newLabels} new labels)`,
  };
}

/** After the decision is stored: the incidents this monitor run closed, then the one it opened, POSTed (a retry finds the same incidents and sends the same ids). */
async function announce(deps: ActivityDeps, pipeline: PipelineDefinition, monitorRunId: string, d: RetrainDecision): Promise<void> {
  if (!pipeline.events) return;
  const incidents = await listIncidents(deps.db, pipeline.name);
  for (const closed of incidents.filter((i) => i.status === 'closed' && i.closedBy === monitorRunId && i.closeReason)) {
    const reason = closed.closeReason as IncidentClosedEvent['reason'];
    const event: IncidentClosedEvent = {
      version: WEBHOOK_EVENT_VERSION, kind: 'incident', event: 'closed', id: `incident-closed:${pipeline.name}:${closed.id}`, model: pipeline.name, incidentId: closed.id,
      championVersion: closed.championVersion, monitorRunId, reason,
      detail: reason === 'within_policy' ? 'a judged window is back within policy' : `the champion it was opened on (v${closed.championVersion}) was replaced`,
      time: closed.closedAt ?? new Date().toISOString(),
    };
    await sendEvent(deps, event, `${pipeline.name}@${closed.championVersion}`, pipeline);
  }
  const incident = d.incidentId === null ? undefined : incidents.find((i) => i.id === d.incidentId);
  if (!incident || incident.openedBy !== monitorRunId) return;
  const event: IncidentOpenedEvent = {
    version: WEBHOOK_EVENT_VERSION, kind: 'incident', event: 'opened', id: `incident-opened:${pipeline.name}:${incident.id}`, model: pipeline.name, incidentId: incident.id,
    championVersion: incident.championVersion, monitorRunId, reasons: incident.reasons, decision: d.decision, reason: d.reason, detail: d.detail,
    retrainWorkflowId: d.workflowId, time: incident.openedAt,
  };
  await sendEvent(deps, event, `${pipeline.name}@${incident.championVersion}`, pipeline);
}

export function createIncidentActivities(deps: ActivityDeps) {
  return {
    /** Idempotent per monitor run: the first call decides and stores; a retry or a rerun of the run reads that decision. */
    async decideRetrain(input: RetrainDecisionInput): Promise<RetrainDecision> {
      const pipeline = await definitionOf(deps, input.pipeline);
      const model = pipeline.name;
      const { window, monitorRunId } = input;
      const decision = await inTransaction(deps.db, async (tx) => {
        await lockModelIncidents(tx, model);
        const stored = await findDecision(tx, monitorRunId);
        if (stored) return toDecision(stored);
        let open = await openIncidentOf(tx, model);
        const closed: { id: number; reason: string }[] = [];
        if (open && open.championVersion !== window.modelVersion) {
          await closeIncident(tx, open.id, monitorRunId, 'champion_changed');
          closed.push({ id: open.id, reason: `champion changed from v${open.championVersion} to v${window.modelVersion}` });
          open = null;
        }
        let draft: Draft;
        if (!window.breached) {
          if (open) {
            await closeIncident(tx, open.id, monitorRunId, 'within_policy');
            closed.push({ id: open.id, reason: 'a judged window is back within policy' });
          }
          draft = { ...skip('within_policy', closed.length ? `back within policy: incident #${closed[closed.length - 1].id} closed` : 'within policy: no incident open'), decision: 'none' };
          open = null;
        } else {
          const opened = open === null;
          open ??= await openIncident(tx, { modelName: model, championVersion: window.modelVersion, openedBy: monitorRunId, reasons: window.reasons });
          draft = await decideForIncident(tx, pipeline, open, window.toPredictionId);
          await noteIncidentWindow(tx, open.id, { counted: !opened, decision: draft.reason, detail: draft.detail, retrainWorkflowId: draft.workflowId ?? undefined });
        }
        const row: RetrainDecisionRow = { ...draft, monitorRunId, modelName: model, incidentId: open?.id ?? null, closed };
        await saveDecision(tx, row);
        return toDecision(row);
      });
      await announce(deps, pipeline, monitorRunId, decision);
      return decision;
    },

    /** Records the retraining run on its incident: started now, or found started already for the same data. */
    async recordRetrainStart(input: { monitorRunId: string; incidentId: number; workflowId: string; started: boolean }): Promise<void> {
      await markRetrainStarted(deps.db, input.incidentId, input.workflowId);
      await noteDecisionOutcome(deps.db, input.monitorRunId, input.started);
    },
  };
}
