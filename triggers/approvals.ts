// The typed client for approvals: list the runs awaiting one (search attribute + Query), decide one by the `approval` Update.
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { approvalsQuery, approvalUpdate, type ApprovalRequest } from '../contracts/approval.js';
import { failureTypeOf, rootMessage } from '../contracts/failures.js';
import { AWAITING_APPROVAL_QUERY } from '../contracts/names.js';
import type { Db } from '../lib/store/db.js';
import { audit } from '../lib/store/models.js';

/** A decision that was refused, in one sentence; `status` is what the HTTP API answers. */
export class ApprovalError extends Error {
  override name = 'ApprovalError';
  constructor(message: string, readonly status: 403 | 404 | 409) {
    super(message);
  }
}

export interface AwaitingApproval {
  workflowId: string;
  runId: string;
  workflowType: string;
  request: ApprovalRequest;
}

/** At most this many waiting runs are listed (the oldest first are not guaranteed; the search attribute finds them all). */
const LIST_LIMIT = 200;

/** Every request awaiting a decision, from the runs the search attribute lists as awaiting. */
export async function listAwaiting(client: Client): Promise<AwaitingApproval[]> {
  const found: AwaitingApproval[] = [];
  let seen = 0;
  for await (const w of client.workflow.list({ query: AWAITING_APPROVAL_QUERY })) {
    if (++seen > LIST_LIMIT) break;
    const requests = await client.workflow.getHandle(w.workflowId, w.runId).query(approvalsQuery).catch(() => [] as ApprovalRequest[]);
    for (const request of requests.filter((r) => r.status === 'awaiting')) found.push({ workflowId: w.workflowId, runId: w.runId, workflowType: w.type, request });
  }
  return found;
}

/** The awaiting request a target names: a workflow id (has a ":") or a model name; refused when none or several match. */
export async function findAwaiting(client: Client, target: string, id?: string): Promise<AwaitingApproval> {
  const awaiting = (await listAwaiting(client)).filter((a) => (target.includes(':') ? a.workflowId === target : a.request.subject.startsWith(`${target}@`)));
  const matching = id === undefined ? awaiting : awaiting.filter((a) => a.request.id === id);
  if (matching.length === 1) return matching[0];
  if (matching.length === 0) {
    throw new ApprovalError(`nothing awaits approval for ${target}${id !== undefined ? ` with id "${id}"` : ''} (npx mlcycle approvals lists what does)`, 404);
  }
  throw new ApprovalError(`${matching.length} approvals await for ${target} (${matching.map((a) => `${a.workflowId} ${a.request.id}`).join('; ')}): name the run id and --id`, 409);
}

export interface DecideInput {
  target: string;
  approve: boolean;
  /** cliActor() or httpActor(subject): audited. */
  actor: string;
  reason: string;
  id?: string;
  /** The caller's verified roles (an API token's); null on the local CLI (an operator's self-declared account). */
  roles: string[] | null;
  via: 'cli' | 'http';
}

/** Decides an awaiting request; every refusal is audited (here, or by the workflow for the ones it makes). */
export async function decideApproval(conn: { client: Client; db: Db }, d: DecideInput): Promise<ApprovalRequest> {
  const refused = async (why: string, status: 403 | 404 | 409, subject: string, role: string | null): Promise<never> => {
    await audit(conn.db, d.actor || '(no actor)', 'approval_refused', subject, { reason: d.reason, refusal: why, via: d.via, role, decision: d.approve ? 'approve' : 'reject' });
    throw new ApprovalError(why, status);
  };
  let found: AwaitingApproval;
  try {
    found = await findAwaiting(conn.client, d.target, d.id);
  } catch (err) {
    if (err instanceof ApprovalError) return refused(err.message, err.status, d.target, null);
    throw err;
  }
  const { request } = found;
  if (d.roles !== null && !d.roles.includes(request.role)) {
    return refused(`the approval of ${request.subject} needs the role "${request.role}", which ${d.actor} does not hold`, 403, request.subject, request.role);
  }
  try {
    return await conn.client.workflow.getHandle(found.workflowId).executeUpdate(approvalUpdate, {
      args: [{ approve: d.approve, actor: d.actor, reason: d.reason, id: request.id, ...(d.roles !== null ? { role: request.role } : {}) }],
    });
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    const audited = failureTypeOf(err) === 'CommandRefused' && err.cause instanceof ApplicationFailure && (err.cause.details?.[0] as { audited?: boolean } | undefined)?.audited === true;
    const why = rootMessage(err);
    if (audited) throw new ApprovalError(why, 409);
    return refused(why, 409, request.subject, request.role);
  }
}

/** A request as a person reads it: what, who may decide until when, and what they are shown. */
export function formatApproval(a: Pick<AwaitingApproval, 'workflowId'> & { request: ApprovalRequest }): string {
  const r = a.request;
  const e = r.evidence;
  const lines = [
    `${r.subject}  ${r.status === 'awaiting' ? `awaiting a holder of the role "${r.role}" until ${r.deadline} (then ${r.onTimeout === 'reject' ? 'rejected' : 'approved'})` : `${r.status} by ${r.decidedBy}: ${r.reason}`}`,
    `  run         ${a.workflowId} (${r.id})`,
    `  card        ${e.modelCard ?? '(none on this machine)'}`,
    `  evaluation  ${e.evaluation}`,
    `  validation  ${e.validationReport ?? '(no validation report recorded for its training run)'}`,
  ];
  if (e.assessment) lines.push(`  rollout     ${e.assessment}`);
  if (r.status === 'awaiting') lines.push(`  decide      npx mlcycle approve ${a.workflowId} --reason "…"  (or --reject)`);
  return lines.join('\n');
}
