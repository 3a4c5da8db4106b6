// The approval gate's settings (a step's `with`, or `rollout.approval`): the role that decides, the timeout and its default, reminders.
import { z } from 'zod';
import { roleSchema } from './auth.js';

/** Without `timeoutSeconds` a request waits a day; without `onTimeout` it is then rejected (fail closed). */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 86_400;

export const approvalSchema = z
  .object({
    /** Only a holder of this role decides (an API token's roles; e.g. "approve", "model-risk"). */
    role: roleSchema,
    /** How long a request waits for a decision. */
    timeoutSeconds: z.number().int().min(1).max(30 * 86_400).default(DEFAULT_APPROVAL_TIMEOUT_SECONDS),
    /** What a request nobody decided in time becomes: rejected unless the definition says otherwise. */
    onTimeout: z.enum(['reject', 'approve']).default('reject'),
    /** Repeat the request to `webhook` this often while it waits. */
    remindEverySeconds: z.number().int().min(1).max(7 * 86_400).optional(),
    /** Where the request and its reminders are POSTed (JSON), as the notify step and repair alerts post theirs. */
    webhook: z.url().optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.remindEverySeconds !== undefined && a.webhook === undefined) {
      ctx.addIssue({ code: 'custom', path: ['webhook'], message: 'is required with remindEverySeconds: reminders are POSTed to it' });
    }
    if (a.remindEverySeconds !== undefined && a.remindEverySeconds >= a.timeoutSeconds) {
      ctx.addIssue({ code: 'custom', path: ['remindEverySeconds'], message: `must be shorter than timeoutSeconds (${a.timeoutSeconds}): no reminder would be sent` });
    }
  });

export type ApprovalPolicy = z.infer<typeof approvalSchema>;

/**
 * A rollout keeps checking its guardrails every interval while an approval waits, and does not continue as new then:
 * the wait is bounded to this many checks so that its history stays well below Temporal's 51,200 events.
 */
export const MAX_CHECKS_WHILE_AWAITING = 4000;

/** rollout.approval.timeoutSeconds against the rollout's interval (see MAX_CHECKS_WHILE_AWAITING). */
export function checkRolloutApproval(r: { intervalSeconds: number; approval?: ApprovalPolicy }, ctx: z.RefinementCtx): void {
  if (r.approval && r.approval.timeoutSeconds > MAX_CHECKS_WHILE_AWAITING * r.intervalSeconds) {
    ctx.addIssue({
      code: 'custom', path: ['approval', 'timeoutSeconds'],
      message: `must be at most ${MAX_CHECKS_WHILE_AWAITING} × intervalSeconds (${MAX_CHECKS_WHILE_AWAITING * r.intervalSeconds} s): the rollout checks its guardrails every interval while it waits, and its history must stay bounded`,
    });
  }
}
