// How people start and steer rollouts, as a user checks it on a real stack: `mlcycle rollout start <model>` from the
// stored definition, every attempt audited with an identity (CLI, HTTP token, temporal workflow update), versions queued.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { ActivityDeps } from '../../activities/deps.js';
import { createDeployActivities } from '../../activities/deploy.js';
import { rolloutWorkflowId } from '../../contracts/names.js';
import type { ModelVersionRow } from '../../lib/store/models.js';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { rolloutState } from '../../triggers/rollout.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { recordHistory } from '../histories.js';
import { championAndChallenger, registerBlessed, TINY_A, TINY_B } from './rolloutFixture.js';
import { ALICE, BOB, cli, dataFolder, definitionOf, inputOfRun, OS_ACTOR, rolloutAudit, slowPolicy, storeDefinition } from './rolloutPeopleFixture.js';

let stack: TestStack;
let data: { dir: string; csv: string };
before(async () => {
  stack = await startTestStack({ env: { tokens: [ALICE, BOB] } });
  data = await dataFolder();
});
after(async () => {
  await stack?.teardown();
});

const running = (model: string, version: number) => async () => {
  const s = await rolloutState(stack.client, model).catch(() => null);
  return s?.challengerVersion === version && s.status === 'running' && s.championVersion !== null ? s : null;
};

test('`mlcycle rollout start <model>` takes the policy from the stored definition; a file only with --pipeline, registered as a new version', async () => {
  const model = 'rsim';
  await championAndChallenger(stack, model, TINY_A, TINY_B);
  const stored = await storeDefinition(stack, definitionOf(model, data.csv, slowPolicy({ minEffect: 0.1 })));
  // A pipeline file edited on disk and never registered changes nothing.
  const file = join(data.dir, 'rsim.json');
  await writeFile(file, JSON.stringify(definitionOf(model, data.csv, slowPolicy({ minEffect: 0.3 }))));

  const started = await cli(stack, 'rollout', 'start', model, '--version', '2', '--reason', 'try the new one');
  assert.equal(started.code, 0, started.out);
  assert.doesNotMatch(started.out, /cannot read pipeline/);
  assert.match(started.out, new RegExp(`rsim@2 in rollout: shadow → ab \\(rollout:rsim\\); policy of definition rsim@${stored.version} \\(the newest stored\\)`));
  const first = await inputOfRun(stack, rolloutWorkflowId(model));
  assert.deepEqual([first.policy.minEffect, first.pipeline, first.startedBy], [0.1, stored, OS_ACTOR]);
  const status = await cli(stack, 'rollout', 'status', model);
  assert.match(status.out, new RegExp(`policy    from definition rsim@${stored.version}\\n`));

  assert.equal((await cli(stack, 'rollout', 'rollback', model, '--reason', 'use the edited policy')).code, 0);
  const again = await cli(stack, 'rollout', 'start', model, '--version', '2', '--reason', 'edited policy', '--pipeline', file);
  assert.equal(again.code, 0, again.out);
  const versions = await stack.db.query<{ version: string }>('SELECT version FROM pipeline_definitions WHERE name = $1 ORDER BY created_at', [model]);
  assert.equal(versions.rows.length, 2, 'the file became a new definition version');
  const edited = versions.rows[1].version;
  assert.match(again.out, new RegExp(`policy of definition rsim@${edited} \\(registered from ${file}\\)`));
  const second = await inputOfRun(stack, rolloutWorkflowId(model));
  assert.deepEqual([second.policy.minEffect, second.pipeline?.version], [0.3, edited]);
  const listed = await cli(stack, 'status');
  assert.match(listed.out, new RegExp(`rsim@2 +vs v1 +running, shadow +started \\S+ +policy of rsim@${edited}`));
  assert.match(listed.out, new RegExp(`rsim@2 +vs v1 +rolled back by ${OS_ACTOR.replace(/[()]/g, '\\$&')} \\(shadow\\) +started \\S+ +policy of rsim@${stored.version}`));
  assert.equal((await cli(stack, 'rollout', 'rollback', model, '--reason', 'done here')).code, 0);

  // Refusals, each in one sentence and audited.
  const unknown = await cli(stack, 'rollout', 'start', 'no-such-model', '--version', '1', '--reason', 'typo');
  assert.deepEqual([unknown.code, unknown.out.trim()], [1, 'mlcycle: no-such-model@1 is not registered']);
  const noDefinition = 'rsim-bare';
  await championAndChallenger(stack, noDefinition, TINY_A, TINY_B);
  const bare = await cli(stack, 'rollout', 'start', noDefinition, '--version', '2', '--reason', 'no policy');
  assert.equal(bare.code, 1);
  assert.match(bare.out, /rsim-bare has no stored definition to take a rollout policy from \(alpha, minEffect, stages\): run its pipeline once, or pass --pipeline <file.json> to register one/);
  const wrongFile = await cli(stack, 'rollout', 'start', noDefinition, '--version', '2', '--reason', 'wrong file', '--pipeline', file);
  assert.match(wrongFile.out, /rsim\.json defines pipeline "rsim", not model rsim-bare/);
  const refused = (await rolloutAudit(stack, 'no-such-model')).concat(await rolloutAudit(stack, noDefinition));
  assert.deepEqual(refused.map((r) => [r.actor, r.action, r.reason]), [
    [OS_ACTOR, 'rollout_start_refused', 'typo'], [OS_ACTOR, 'rollout_start_refused', 'no policy'], [OS_ACTOR, 'rollout_start_refused', 'wrong file'],
  ]);
});

test('every attempt to steer is audited, refused ones with the refusal, under an identity: the OS user (CLI), the token subject (HTTP), the actor a raw Update names', async () => {
  const model = 'steer-who';
  await championAndChallenger(stack, model, TINY_A, TINY_B);
  const ref = await storeDefinition(stack, definitionOf(model, data.csv, slowPolicy()));
  const http = (path: string, body: unknown, token = ALICE.token) =>
    fetch(`${stack.info.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const start = await http(`/v1/rollouts/${model}/start`, { version: 2, reason: 'steering test' });
  assert.equal(start.status, 202);
  assert.deepEqual(await start.json(), {
    workflowId: 'rollout:steer-who', definition: `${ref.name}@${ref.version}`, definitionSource: 'the newest stored', outcome: 'started', behind: null, position: 0, stages: ['shadow', 'ab'],
  });
  const again = await http(`/v1/rollouts/${model}/start`, { version: 2, reason: 'twice' });
  assert.deepEqual([again.status, await again.json()], [409, { error: 'Refused', message: 'steer-who@2 is in rollout already (rollout:steer-who, stage shadow)' }]);
  const read = await fetch(`${stack.info.httpUrl}/v1/rollouts/${model}`, { headers: { authorization: `Bearer ${ALICE.token}` } });
  const live = (await read.json()) as { state: { challengerVersion: number; definition: string }; queued: unknown[] };
  assert.deepEqual([live.state.challengerVersion, live.state.definition, live.queued], [2, `${ref.name}@${ref.version}`, []]);

  const wrong = await cli(stack, 'rollout', 'promote', model, '--version', '9', '--reason', 'wrong one');
  assert.deepEqual([wrong.code, wrong.out.trim()], [1, 'mlcycle: refused: steer-who@9 is not in rollout: steer-who@2 is (stage shadow); nothing to promote']);

  const refusedHttp = await http(`/v1/rollouts/${model}/resume`, { reason: 'go on' });
  assert.equal(refusedHttp.status, 409);
  assert.deepEqual(await refusedHttp.json(), { error: 'Refused', message: 'refused: the rollout of steer-who@2 is not paused' });
  const paused = await http(`/v1/rollouts/${model}/pause`, { reason: 'checking the dashboards' });
  assert.equal(paused.status, 200);
  assert.equal(((await paused.json()) as { state: { status: string } }).state.status, 'paused');
  const forbidden = await http(`/v1/rollouts/${model}/promote`, { reason: 'bob wants it' }, BOB.token);
  assert.equal(forbidden.status, 403);
  const badBody = await http(`/v1/rollouts/${model}/traffic`, { reason: 'more' });
  assert.deepEqual([badBody.status, ((await badBody.json()) as { message: string }).message], [400, 'traffic: the share in (0, 1] is required']);

  // `temporal workflow update` reaches the workflow without mlcycle's client: the rollout audits the refusal itself.
  const temporal = join(PROJECT_ROOT, '.tools/bin/temporal');
  const raw = await promisify(execFile)(temporal, [
    'workflow', 'update', 'execute', '--address', stack.info.temporalAddress, '--namespace', 'default', '--workflow-id', rolloutWorkflowId(model),
    '--name', 'pause', '--input', JSON.stringify({ actor: 'mallory', reason: 'pause it again' }),
  ]).then(() => 'accepted', (err: Error & { stderr?: string }) => `${err.message}${err.stderr ?? ''}`);
  assert.match(raw, /paused already/);

  const resumed = await cli(stack, 'rollout', 'resume', model, '--reason', 'dashboards fine');
  assert.equal(resumed.code, 0, resumed.out);
  const rolledBack = await http(`/v1/rollouts/${model}/rollback`, { reason: 'not this week', version: 2 });
  assert.equal(rolledBack.status, 200);
  // Too late: the workflow has closed, so the CLI audits the refusal itself.
  const late = await cli(stack, 'rollout', 'promote', model, '--reason', 'too late');
  assert.deepEqual([late.code, late.out.trim()], [1, 'mlcycle: refused: steer-who has no running rollout (rollout:steer-who)']);

  const rows = (await rolloutAudit(stack, model)).filter((r) => r.actor !== 'mlcycle' && r.action !== 'rollout_stage');
  assert.deepEqual(rows.map((r) => [r.actor, r.action, r.reason, r.refusal, r.via]), [
    ['token:alice', 'rollout_request', 'steering test', null, null],
    ['token:alice', 'rollout_start_refused', 'twice', 'steer-who@2 is in rollout already (rollout:steer-who, stage shadow)', 'client'],
    [OS_ACTOR, 'rollout_promote_refused', 'wrong one', 'steer-who@9 is not in rollout: steer-who@2 is (stage shadow); nothing to promote', 'workflow'],
    ['token:alice', 'rollout_resume_refused', 'go on', 'the rollout of steer-who@2 is not paused', 'workflow'],
    ['token:alice', 'rollout_pause', 'checking the dashboards', null, null],
    ['mallory', 'rollout_pause_refused', 'pause it again', 'the rollout of steer-who@2 is paused already', 'workflow'],
    [OS_ACTOR, 'rollout_resume', 'dashboards fine', null, null],
    ['token:alice', 'rollout_rollback', 'rolled back by token:alice: not this week', null, null],
    [OS_ACTOR, 'rollout_promote_refused', 'too late', 'steer-who has no running rollout (rollout:steer-who)', 'client'],
  ]);
  const who = await stack.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM audit_log WHERE actor LIKE '%someone-else%'");
  assert.equal(who.rows[0].n, 0, 'the actor never comes from $USER');
});

/** A version registered by a lifecycle run: its rollout step's activity, called as the run calls it. */
async function registeredByRun(model: string, v: ModelVersionRow, pipeline: { name: string; version: string }) {
  const deps = { db: stack.db, temporal: stack.client } as unknown as ActivityDeps; // planning reads Postgres and signals Temporal
  return createDeployActivities(deps).planDeployment({
    runId: `lifecycle:${model}:retrain-${v.version}`, pipeline, reason: 'retrained on new labels',
    model: { name: model, version: v.version, uri: v.uri, sha256: v.sha256, parityMaxAbsDiff: 0, cardHtml: '', latencyMs: { batch1: 1, batch1024: 1 }, blessed: true, gateReason: 'blessed' },
  });
}

test('a version registered during another rollout is queued behind it, said so in status, and started when it ends; supersede replaces it', async () => {
  const model = 'tiny-queue';
  await championAndChallenger(stack, model, TINY_A, TINY_B);
  const v3 = await registerBlessed(stack, model, await readFile(TINY_B));
  const v4 = await registerBlessed(stack, model, await readFile(TINY_A));
  const ref = await storeDefinition(stack, definitionOf(model, data.csv, slowPolicy()));
  assert.equal((await cli(stack, 'rollout', 'start', model, '--version', '2', '--reason', 'first')).code, 0);
  const firstRun = (await stack.client.workflow.getHandle(rolloutWorkflowId(model)).describe()).runId;

  const plan = await registeredByRun(model, v3, ref);
  assert.deepEqual(plan.action === 'requested' ? [plan.deployment, plan.summary] : plan, [
    null, `tiny-queue@3 is registered, not served yet: queued behind the rollout of v2 (position 1): it starts when that one ends (rollout:tiny-queue)`,
  ]);
  const status = await cli(stack, 'rollout', 'status', model);
  assert.match(status.out, /\n  queued    tiny-queue@3 queued behind rollout of v2; requested by lifecycle:tiny-queue:retrain-3 at \S+ \(retrained on new labels\); policy of definition tiny-queue@/);
  const all = await cli(stack, 'status');
  assert.match(all.out, /tiny-queue@3 +queued behind rollout of v2 /);

  // v2's rollout ends (a person rolls it back): the same workflow id goes on with v3's rollout, under its definition.
  assert.equal((await cli(stack, 'rollout', 'rollback', model, '--reason', 'make way')).code, 0);
  const next = await eventually('v3 in rollout from the queue', 30_000, running(model, v3.version));
  assert.equal(next.definition, `${ref.name}@${ref.version}`);
  assert.equal(next.events[0].actor, `lifecycle:${model}:retrain-3`);
  const req = await stack.db.query<{ status: string; run_id: string }>('SELECT status, run_id FROM rollout_requests WHERE model_name = $1 AND version = 3', [model]);
  assert.equal(req.rows[0].status, 'started');
  assert.equal((await stack.client.workflow.getHandle(rolloutWorkflowId(model), firstRun).describe()).status.name, 'CONTINUED_AS_NEW');
  assert.doesNotMatch((await cli(stack, 'rollout', 'status', model)).out, /queued/);
  await recordHistory(stack.client, rolloutWorkflowId(model), firstRun, 'rollout-queue-next', {
    about: "a rollout with a version queued behind it (rolloutQueued signal): rolled back by a person, it reads the queue and continues as new into the queued version's rollout",
    outcome: 'continued-as-new', updates: ['rollback'], activities: ['beginRollout', 'finishRollout', 'nextQueuedRollout'],
    events: ['WORKFLOW_EXECUTION_SIGNALED', 'WORKFLOW_EXECUTION_CONTINUED_AS_NEW'],
  });

  // A definition that says supersede: v4 rolls v3 back and starts at once.
  const superseding = await storeDefinition(stack, definitionOf(model, data.csv, slowPolicy({ whenBusy: 'supersede' })));
  const plan4 = await registeredByRun(model, v4, superseding);
  assert.equal(plan4.action === 'requested' && plan4.summary, 'tiny-queue@4 is registered, not served yet: superseding the rollout of v3 (rolled back), it starts next (rollout:tiny-queue)');
  await eventually('v4 in rollout', 30_000, running(model, v4.version));
  const ended = await stack.db.query<{ challenger_version: number; status: string; reason: string }>(
    'SELECT challenger_version, status, reason FROM rollouts WHERE model_name = $1 ORDER BY id', [model]);
  assert.deepEqual(ended.rows.map((r) => [r.challenger_version, r.status]), [[2, 'rolled_back'], [3, 'rolled_back'], [4, 'running']]);
  assert.match(ended.rows[1].reason, /^rolled back by mlcycle: superseded by v4 \(requested by lifecycle:tiny-queue:retrain-4; the definition's rollout\.whenBusy is supersede\)/);
  assert.equal((await cli(stack, 'rollout', 'rollback', model, '--reason', 'clean up')).code, 0);
});
