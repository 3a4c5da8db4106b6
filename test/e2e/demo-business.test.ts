// The business story as `mlcycle demo --story business` tells it: a success metric decides, a person approves, lineage shows it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runBusinessStory, type BusinessStory } from '../../triggers/demoBusiness.js';
import { formatRolloutState } from '../../triggers/rollout.js';
import { startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
let story: BusinessStory;
const lines: string[] = [];
before(async () => {
  stack = await startTestStack();
  story = await runBusinessStory(stack, join(stack.env.stateDir, 'reports'), (l) => lines.push(l));
});
after(async () => {
  await stack?.teardown();
});

test('the full forecast is promoted on the success metric, after a person approved, and more users planned on it', async () => {
  const { rollout, approval, first, second, sent } = story;
  assert.equal(rollout.status, 'promoted', lines.join('\n'));
  assert.equal(rollout.assessment?.decidedOn, 'planned', 'decided on the success metric, not accuracy');
  assert.ok((rollout.assessment?.test.lower ?? 0) > 0, 'the improvement in plans is shown, not just estimated');
  assert.ok(second.candidate.holdoutMetrics.accuracy > first.candidate.holdoutMetrics.accuracy);
  assert.equal(approval.status, 'approved');
  assert.equal(approval.decidedBy, `os:${userInfo().username} (self-declared)`);
  assert.equal(approval.role, 'model-risk');
  assert.match(formatRolloutState(rollout), new RegExp(`approval  approved by os:${userInfo().username} \\(self-declared\\): plans up`));
  // The truth the traffic carried: plans per exposure were higher for the challenger.
  const rate = (k: string) => (sent[k] ? sent[k].planned / sent[k].exposures : NaN);
  assert.ok(rate(`challenger@v${second.model.version}`) > rate(`champion@v${first.model.version}`), JSON.stringify(sent));
  const audit = await stack.db.query<{ action: string; actor: string }>("SELECT action, actor FROM audit_log WHERE action LIKE 'approval\\_%' ORDER BY id");
  assert.ok(audit.rows.some((r) => r.action === 'approval_approved' && r.actor === approval.decidedBy), JSON.stringify(audit.rows));
});

test("the final model's lineage names its run, its rollout with the approval, and the page is written", async () => {
  const { lineage, second, lineageHtml } = story;
  const text = lines.join('\n');
  assert.match(text, /awaiting a holder of the role "model-risk"/);
  assert.match(text, new RegExp(`npx mlcycle lineage weather-planner@${second.model.version}`));
  assert.ok(lineage.rollouts.some((r) => r.status === 'promoted'), JSON.stringify(lineage.rollouts));
  assert.ok(text.includes(second.model.version.toString()));
  const page = await readFile(lineageHtml, 'utf8');
  assert.match(page, /<html/);
  assert.match(page, /weather-planner@2/);
  assert.match(page, /approval_approved/);
});
