// Approval gates on a real stack: a step `uses: approval` decided over HTTP (403 and audited without the role) and the CLI
// (a rejection ends the run Rejected, not repaired), a timeout that rejects, and a rollout held before promotion until approved.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { approvalsQuery } from '../../contracts/approval.js';
import { APPROVAL_ATTRIBUTE, AWAITING_APPROVAL_QUERY, REPAIR_WORKFLOW, rolloutWorkflowId, TASK_QUEUE } from '../../contracts/names.js';
import type { RolloutState } from '../../contracts/rollout.js';
import type { RepairResult } from '../../contracts/types.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import type { PipelineDefinition } from '../../lib/config/pipeline.js';
import { completeResult, resolvePipeline, startLifecycle } from '../../triggers/client.js';
import { RolloutCommandError, rolloutState, startRollout, steerRollout } from '../../triggers/rollout.js';
import { eventually, startTestStack, webhookReceiver, type TestStack, type WebhookReceiver } from '../harness.js';
import { recordHistory } from '../histories.js';
import { approvalAudit, BOB, CAROL, fetchWithToken, http, TRAFFIC, withApproval } from './approvalFixture.js';
import { championAndChallenger, fastPolicy, rolloutInput, TINY_A, TINY_B, trafficWithLabels, truthOfB } from './rolloutFixture.js';
import { cli, OS_ACTOR } from './rolloutPeopleFixture.js';

let stack: TestStack;
let base: PipelineDefinition;
let hook: WebhookReceiver<{ event: string; subject: string; role: string; decide: string }>;
before(async () => {
  stack = await startTestStack({ env: { tokens: [CAROL, BOB, TRAFFIC] } });
  base = await resolvePipeline('seattle-weather');
  hook = await webhookReceiver();
});
after(async () => {
  hook?.close();
  await stack?.teardown();
});

/** Until the search attribute lists the run as awaiting approval (the client's list with a query, as `mlcycle approvals` does). */
async function listedAwaiting(workflowId: string): Promise<void> {
  await eventually(`${workflowId} listed as awaiting approval`, 60_000, async () => {
    for await (const w of stack.client.workflow.list({ query: AWAITING_APPROVAL_QUERY })) if (w.workflowId === workflowId) return true;
    return null;
  });
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(() => assert.fail('the run must fail'), (e: unknown) => e);
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
  return err.cause;
}

test('a step `uses: approval` waits for a holder of its role: listed, shown with what is approved, refused (403, audited) without the role, approved over HTTP', async () => {
  const model = 'appr-ok';
  const run = await startLifecycle(stack, withApproval(base, model, { role: 'model-risk', timeoutSeconds: 600, remindEverySeconds: 1, webhook: hook.url }));
  await listedAwaiting(run.workflowId);
  const [request] = await run.handle.query(approvalsQuery);
  assert.deepEqual([request.id, request.subject, request.role, request.status, request.onTimeout], ['approve', `${model}@1`, 'model-risk', 'awaiting', 'reject']);
  assert.ok(existsSync(request.evidence.modelCard ?? ''), `the model card ${request.evidence.modelCard}`);
  assert.ok(existsSync(request.evidence.validationReport ?? ''), `the validation report ${request.evidence.validationReport}`);
  assert.match(request.evidence.evaluation, /^accuracy \d.* on its holdout; no champion yet \(gate blessed: /);
  const listed = await cli(stack, 'approvals');
  assert.equal(listed.code, 0, listed.out);
  for (const part of [`${model}@1  awaiting a holder of the role "model-risk" until`, `run         ${run.workflowId} (approve)`, `card        ${request.evidence.modelCard}`, `validation  ${request.evidence.validationReport}`]) {
    assert.ok(listed.out.includes(part), `${part}\nin\n${listed.out}`);
  }
  // Reminders reach the webhook while it waits.
  await eventually('a reminder', 15_000, async () => (hook.received.some((h) => h.event === 'reminder' && h.subject === `${model}@1`) ? true : null));
  assert.equal(hook.received.find((h) => h.subject === `${model}@1`)?.event, 'requested');

  const refused = await http(stack, BOB.token, 'POST', `/v1/approvals/${model}`, { decision: 'approve', reason: 'I only score' });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.message, `the approval of ${model}@1 needs the role "model-risk", which token:bob does not hold`);
  const bad = await http(stack, CAROL.token, 'POST', `/v1/approvals/${model}`, { decision: 'maybe', reason: 'x' });
  assert.equal(bad.status, 400);
  assert.match(String(bad.json.message), /^decision: /);
  const shown = await http(stack, CAROL.token, 'GET', `/v1/approvals/${model}`);
  assert.equal((shown.json.request as { subject: string }).subject, `${model}@1`);

  const approved = await http(stack, CAROL.token, 'POST', `/v1/approvals/${model}`, { decision: 'approve', reason: 'card and validation read; first version' });
  assert.equal(approved.status, 200, JSON.stringify(approved.json));
  assert.deepEqual([(approved.json.approval as { status: string }).status, (approved.json.approval as { decidedBy: string }).decidedBy], ['approved', 'token:carol']);
  const result = completeResult(await run.handle.result());
  assert.equal(result.deployment?.role, 'champion');
  assert.equal(result.steps.find((s) => s.id === 'approve')?.summary, `${model}@1 approved by token:carol: card and validation read; first version`);
  assert.equal((await run.handle.describe()).typedSearchAttributes.get(APPROVAL_ATTRIBUTE), 'approved');
  assert.deepEqual((await approvalAudit(stack, model)).map((r) => [r.actor, r.action, r.via]), [
    ['mlcycle', 'approval_requested', null], ['token:bob', 'approval_refused', 'http'], ['token:carol', 'approval_approved', null],
  ]);
  await recordHistory(stack.client, run.workflowId, run.runId, 'lifecycle-approved', {
    about: 'a pipeline with an approval step: the request (evidence, audit, webhook, reminders), approved by the approval Update, then the rollout step',
    outcome: 'completed', activities: ['approvalEvidence', 'auditApproval', 'notifyApproval', 'packageModel', 'planDeployment'], updates: ['approval'],
    events: ['UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'],
  });
});

test('a rejection on the CLI ends the run Rejected; the repair round does not restart it; a later decision is refused and audited', async () => {
  const model = 'appr-no';
  const run = await startLifecycle(stack, withApproval(base, model, { role: 'model-risk' }));
  await listedAwaiting(run.workflowId);
  const rejected = await cli(stack, 'approve', run.workflowId, '--reject', '--reason', 'the holdout is too small');
  assert.equal(rejected.code, 0, rejected.out);
  assert.match(rejected.out, new RegExp(`${model}@1  rejected by ${OS_ACTOR.replace(/[()]/g, '\\$&')}: the holdout is too small`));
  const failure = await failureOf(run.handle.result());
  assert.equal(failure.type, 'Rejected');
  assert.equal(failure.message, `step "approve" (approval) failed: ${model}@1 was not approved: rejected by ${OS_ACTOR}: the holdout is too small`);

  const repair = (await stack.client.workflow.execute(REPAIR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: `repair-${model}`, args: [{ pipeline: model, dryRun: false }] })) as RepairResult;
  assert.deepEqual(repair.decisions.map((d) => [d.runId, d.action, d.failureType]), [[run.runId, 'not_repairable', 'Rejected']]);

  const late = await cli(stack, 'approve', model, '--reason', 'changed my mind');
  assert.equal(late.code, 1);
  assert.equal(late.out.trim(), `mlcycle: refused: nothing awaits approval for ${model} (npx mlcycle approvals lists what does)`);
  const rows = await approvalAudit(stack, model);
  assert.deepEqual(rows.map((r) => [r.actor, r.action]), [['mlcycle', 'approval_requested'], [OS_ACTOR, 'approval_rejected'], [OS_ACTOR, 'approval_refused']]);
  assert.match(rows[0].reason ?? '', /^awaiting a holder of role "model-risk" until \S+ \(then rejected\)$/);
  assert.deepEqual(rows.slice(1).map((r) => [r.reason, r.refusal, r.via]), [
    ['the holdout is too small', null, null], ['changed my mind', `nothing awaits approval for ${model} (npx mlcycle approvals lists what does)`, 'cli'],
  ]);
});

test('`temporal workflow update --name approval` decides too: refusals audited by the run itself, the actor the Update names', async () => {
  const model = 'appr-raw';
  const run = await startLifecycle(stack, withApproval(base, model, { role: 'model-risk', timeoutSeconds: 600 }));
  await listedAwaiting(run.workflowId);
  const update = (input: Record<string, unknown>): Promise<string> =>
    promisify(execFile)(join(PROJECT_ROOT, '.tools/bin/temporal'), [
      'workflow', 'update', 'execute', '--address', stack.info.temporalAddress, '--namespace', 'default', '--workflow-id', run.workflowId,
      '--name', 'approval', '--input', JSON.stringify(input),
    ]).then((r) => r.stdout, (err: Error & { stderr?: string }) => `${err.message}${err.stderr ?? ''}`);
  assert.match(await update({ approve: true, actor: 'dana', reason: 'ok' }), /reason is required \(at least 3 characters\)/);
  assert.match(await update({ approve: true, actor: 'dana', reason: 'numbers hold', role: 'operate' }), /needs the role \\?"model-risk\\?", not \\?"operate\\?"/);
  assert.match(await update({ approve: true, actor: 'dana', reason: 'numbers hold', role: 'model-risk' }), /status:approved/);
  assert.equal(completeResult(await run.handle.result()).deployment?.role, 'champion');
  assert.deepEqual((await approvalAudit(stack, model)).map((r) => [r.actor, r.action, r.via]), [
    ['mlcycle', 'approval_requested', null], ['dana', 'approval_refused', 'workflow'], ['dana', 'approval_refused', 'workflow'], ['dana', 'approval_approved', null],
  ]);
});

test('a request nobody decides times out and, by default, rejects', async () => {
  const model = 'appr-late';
  const run = await startLifecycle(stack, withApproval(base, model, { role: 'model-risk', timeoutSeconds: 2 }));
  const failure = await failureOf(run.handle.result());
  assert.equal(failure.type, 'Rejected');
  assert.match(failure.message, /was not approved: nobody holding the role "model-risk" decided within 2 s: rejected \(onTimeout: reject\)$/);
  assert.deepEqual((await approvalAudit(stack, model)).map((r) => [r.actor, r.action]), [['mlcycle', 'approval_requested'], ['mlcycle', 'approval_timed_out']]);
  assert.equal((await run.handle.describe()).typedSearchAttributes.get(APPROVAL_ATTRIBUTE), 'timed out');
});

test('a rollout with approval holds before promotion (a promote command is refused) and promotes once approved', async () => {
  const model = 'appr-rollout';
  const { v2 } = await championAndChallenger(stack, model, TINY_A, TINY_B);
  await startRollout(stack.client, rolloutInput(model, v2, fastPolicy({ approval: { role: 'model-risk', timeoutSeconds: 600 } })));
  const restore = fetchWithToken(TRAFFIC.token);
  let done = false;
  const traffic = trafficWithLabels(stack.info.httpUrl ?? '', model, () => done, truthOfB);
  try {
    const waiting = await eventually('the rollout to await approval', 150_000, async () => {
      const s = await rolloutState(stack.client, model);
      assert.equal(s.decision, null, JSON.stringify(s.decision));
      return s.approval?.status === 'awaiting' ? s : null;
    });
    assert.deepEqual([waiting.status, waiting.stage, waiting.approval?.role], ['running', 'ab', 'model-risk']);
    assert.match(waiting.approval?.evidence.assessment ?? '', /accuracy estimate .*confidence sequence/);
    await listedAwaiting(rolloutWorkflowId(model));
    const promote = await steerRollout(stack, model, 'promote', { actor: 'test', reason: 'skip the approval' }).then(() => null, (e: unknown) => e);
    assert.ok(promote instanceof RolloutCommandError);
    assert.match(promote.message, /needs an approval by a holder of the role "model-risk"/);
    const approved = await cli(stack, 'approve', model, '--reason', 'the test and the card agree');
    assert.equal(approved.code, 0, approved.out);
    const result = (await stack.client.workflow.getHandle(rolloutWorkflowId(model)).result()) as RolloutState;
    assert.equal(result.status, 'promoted');
    assert.equal(result.decision?.by, OS_ACTOR);
    assert.match(result.decision?.reason ?? '', /^approved by os:.* \(role model-risk\): the test and the card agree$/);
  } finally {
    done = true;
    await traffic;
    restore();
  }
  const described = await stack.client.workflow.getHandle(rolloutWorkflowId(model)).describe();
  await recordHistory(stack.client, rolloutWorkflowId(model), described.runId, 'rollout-approved', {
    about: 'a rollout with rollout.approval: the test would promote, the request waits (checks go on), a promote command is refused, the approval Update promotes',
    outcome: 'completed', activities: ['assessRollout', 'approvalEvidence', 'auditApproval', 'auditRolloutRefusal', 'finishRollout'], updates: ['promote', 'approval'],
  });
});
