// Approval gates in a definition: the step's `with` and `rollout.approval` parsed with their defaults, every mistake named by path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { approvalSchema, DEFAULT_APPROVAL_TIMEOUT_SECONDS } from '../../lib/config/approval.js';
import { parseTokenList } from '../../lib/config/auth.js';
import { parsePipeline, PipelineError, type PipelineDefinition } from '../../lib/config/pipeline.js';
import { checkDefinition } from '../../lib/steps/check.js';
import { FAILURES, repairable } from '../../contracts/failures.js';

const STAGES = [{ name: 'ab', traffic: 0.5 }];
const base = { name: 'p', data: { path: 'x.csv' }, target: 'y', features: { numeric: ['a'] }, search: { space: { logreg: { l2: [0.1] } } } };
const definition = (extra: Record<string, unknown>): PipelineDefinition => parsePipeline({ ...base, ...extra }, 'test', '/');
const steps = (gate: Record<string, unknown>) => [
  { id: 'ingest', uses: 'ingest' }, { id: 'validate', uses: 'validate', needs: ['ingest'] }, { id: 'optimize', uses: 'optimize', needs: ['validate'] },
  { id: 'package', uses: 'package', needs: ['optimize'] }, { id: 'approve', uses: 'approval', needs: ['package'], with: gate },
  { id: 'rollout', uses: 'rollout', needs: ['approve'] },
];

/** The lines of the PipelineError a definition (parsed, then planned) is refused with. */
async function mistakes(extra: Record<string, unknown>): Promise<string[]> {
  const err = await (async () => checkDefinition(definition(extra)))().then(() => assert.fail('the definition must be refused'), (e: unknown) => e);
  assert.ok(err instanceof PipelineError, String(err));
  return err.message.split('\n').slice(1).map((l) => l.trim());
}

test('a gate names only its role: it waits a day, then rejects (the stated default)', () => {
  assert.equal(DEFAULT_APPROVAL_TIMEOUT_SECONDS, 86_400);
  assert.deepEqual(approvalSchema.parse({ role: 'model-risk' }), { role: 'model-risk', timeoutSeconds: 86_400, onTimeout: 'reject' });
  assert.deepEqual(approvalSchema.parse({ role: 'approve', timeoutSeconds: 600, onTimeout: 'approve', remindEverySeconds: 60, webhook: 'http://127.0.0.1:9/x' }).onTimeout, 'approve');
});

test('an approval step plans between package and rollout: it takes the model and hands it on', async () => {
  const { plan } = await checkDefinition(definition({ steps: steps({ role: 'approve', timeoutSeconds: 3600 }) }));
  const approve = plan.steps.find((s) => s.id === 'approve');
  assert.deepEqual([approve?.builtin, approve?.inputs, approve?.produces, approve?.cache], [true, { model: 'package' }, ['model'], false]);
  assert.deepEqual(approve?.config, { role: 'approve', timeoutSeconds: 3600, onTimeout: 'reject' });
  assert.deepEqual(plan.steps.find((s) => s.id === 'rollout')?.inputs, { model: 'approve' });
});

test("an approval step's mistakes are named by path", async () => {
  assert.deepEqual(await mistakes({ steps: steps({}) }), ['- steps.4.with.role: Invalid input: expected string, received undefined']);
  assert.deepEqual(await mistakes({ steps: steps({ role: 'Model Risk' }) }), [
    '- steps.4.with.role: must be a role name: a lowercase letter, then lowercase letters, digits or "-" (at most 32)',
  ]);
  assert.deepEqual(await mistakes({ steps: steps({ role: 'approve', onTimeout: 'ignore' }) }), ['- steps.4.with.onTimeout: Invalid option: expected one of "reject"|"approve"']);
  assert.deepEqual(await mistakes({ steps: steps({ role: 'approve', remindEverySeconds: 60 }) }), ['- steps.4.with.webhook: is required with remindEverySeconds: reminders are POSTed to it']);
  assert.deepEqual(await mistakes({ steps: steps({ role: 'approve', timeoutSeconds: 60, remindEverySeconds: 60, webhook: 'http://127.0.0.1:9/x' }) }), [
    '- steps.4.with.remindEverySeconds: must be shorter than timeoutSeconds (60): no reminder would be sent',
  ]);
  assert.deepEqual(await mistakes({ steps: steps({ role: 'approve', timeoutSeconds: 0 }) }), ['- steps.4.with.timeoutSeconds: Too small: expected number to be >=1']);
});

test('rollout.approval: parsed with its defaults; a wait the rollout cannot keep in a bounded history is refused', () => {
  const rollout = definition({ rollout: { stages: STAGES, minEffect: 0.05, approval: { role: 'model-risk' } } }).rollout;
  assert.deepEqual(rollout?.approval, { role: 'model-risk', timeoutSeconds: 86_400, onTimeout: 'reject' });
  assert.throws(
    () => definition({ rollout: { stages: STAGES, minEffect: 0.05, intervalSeconds: 1, approval: { role: 'model-risk' } } }),
    /rollout\.approval\.timeoutSeconds: must be at most 4000 × intervalSeconds \(4000 s\): the rollout checks its guardrails every interval while it waits/,
  );
  assert.throws(() => definition({ rollout: { stages: STAGES, minEffect: 0.05, approval: { role: 'model-risk', extra: 1 } } }), /rollout\.approval: Unrecognized key: "extra"/);
});

test('tokens carry the roles definitions name, beside the built-in ones; a rejection is not repairable', () => {
  assert.deepEqual(parseTokenList('carol:0123456789abcdef:model-risk+approve,dave:0123456789abcdeg:operate').map((t) => t.roles), [['model-risk', 'approve'], ['operate']]);
  assert.throws(() => parseTokenList('carol:0123456789abcdef:model risk'), /tokens\.0\.roles\.0: must be a role name/);
  assert.deepEqual(FAILURES.Rejected, { retryable: false, repairable: false });
  assert.equal(repairable('Rejected'), false);
});
