// Approval gates' activities: what the approver sees (card, evaluation against the champion, validation report), audits, webhooks.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ApprovalAuditInput, ApprovalEvidence, ApprovalNotifyInput, EvidenceInput } from '../contracts/approval.js';
import { failure } from '../contracts/failures.js';
import { renderModelCardHtml } from '../lib/report/modelCardHtml.js';
import { audit, getDeployment, getModelVersion } from '../lib/store/models.js';
import { findStepResult, stepRunsOf } from '../lib/store/stepResults.js';
import { activityOnceKey, type ActivityDeps } from './deps.js';
import { writeReport } from './reports.js';
import { postWebhook, WEBHOOK_EVENT_VERSION } from '../lib/webhooks/post.js';
import type { ApprovalEvent } from '../contracts/webhookEvents.js';

const fmt = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : Number(x.toPrecision(4)).toString());

export function createApprovalActivities(deps: ActivityDeps) {
  /** The validation report of the run that trained the version (its validate step's recorded outputs), if any. */
  async function validationReportOf(runId: string): Promise<string | null> {
    for (const step of (await stepRunsOf(deps.db, runId)).filter((s) => s.uses === 'validate' && s.cacheKey)) {
      const result = await findStepResult(deps.db, step.cacheKey as string);
      if (result?.outputs.validation?.reportHtml) return result.outputs.validation.reportHtml;
    }
    return null;
  }

  return {
    async approvalEvidence(input: EvidenceInput): Promise<ApprovalEvidence> {
      const version = await getModelVersion(deps.db, input.model, input.version);
      if (!version) throw failure('NotDeployable', `${input.model}@${input.version} is not registered: there is nothing to approve`);
      const relative = join(input.model, `model-v${input.version}.html`);
      const modelCard = existsSync(join(deps.reportsDir, relative))
        ? join(deps.reportsDir, relative)
        : await writeReport(deps.reportsDir, relative, renderModelCardHtml(version.card, { version: input.version }));
      const deployment = await getDeployment(deps.db, input.model);
      const championVersion = deployment && deployment.championVersion !== input.version ? deployment.championVersion : null;
      const champion = championVersion !== null ? await getModelVersion(deps.db, input.model, championVersion) : null;
      const metric = version.card.primaryMetric;
      const against = champion ? `; champion v${champion.version}: ${metric} ${fmt(champion.metrics[metric])}` : '; no champion yet';
      const gate = version.card.gate ? `${version.card.gate.blessed ? 'blessed' : 'not blessed'}: ${version.card.gate.reason}` : 'no gate verdict recorded';
      return {
        model: input.model, version: input.version, modelCard,
        evaluation: `${metric} ${fmt(version.metrics[metric])} on its holdout${against} (gate ${gate})`,
        metrics: version.metrics, champion: champion ? { version: champion.version, metrics: champion.metrics } : null,
        validationReport: await validationReportOf(version.runId), assessment: null,
      };
    },

    /** Every request, decision, timeout and refusal leaves an audit row (actor, action, model@version, reason). */
    async auditApproval(input: ApprovalAuditInput): Promise<void> {
      await audit(deps.db, input.actor, input.action, input.subject, {
        reason: input.reason, workflowId: input.workflowId, id: input.id, role: input.role, ...(input.refusal ? { refusal: input.refusal, via: 'workflow' } : {}),
      }, activityOnceKey(input.action));
    },

    /** POSTs the request (or a reminder) to the gate's webhook; an unreachable receiver is reported, never retried forever. */
    async notifyApproval(input: ApprovalNotifyInput): Promise<string> {
      const r = input.request;
      const body: ApprovalEvent = {
        version: WEBHOOK_EVENT_VERSION, kind: 'approval', event: input.event, workflowId: r.workflowId, id: r.id, subject: r.subject, role: r.role, deadline: r.deadline, onTimeout: r.onTimeout,
        evidence: r.evidence, decide: `npx mlcycle approve ${r.workflowId} --reason "…" (add --reject to reject)`,
      };
      return (await postWebhook(input.url, body)).said;
    },
  };
}
