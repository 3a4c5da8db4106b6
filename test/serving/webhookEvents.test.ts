// Rollout and incident events: the activities POST them signed to the definition's events.webhook; a retry sends the same id; a failing receiver fails nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { RolloutInput } from '../../contracts/rollout.js';
import type { RolloutPolicy } from '../../lib/config/rollout.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createIncidentActivities } from '../../activities/incidents.js';
import { createRolloutActivities } from '../../activities/rollout.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../../lib/crypto/webhookSignature.js';
import { parsePipeline } from '../../lib/config/pipeline.js';
import { saveDefinition } from '../../lib/store/definitions.js';
import { listIncidents } from '../../lib/store/incidents.js';
import { deployVersion } from '../../lib/store/models.js';
import { beginRollout } from '../../lib/store/rollouts.js';
import { registerModelBytes, startTestStack, tinyCard, TINY_A, TINY_B, type TestStack } from './harness.js';

const SECRET = 'whsec-events-test';
const received: { body: string; headers: IncomingHttpHeaders }[] = [];
let answer = 204;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    received.push({ body, headers: req.headers });
    res.writeHead(answer).end();
  });
});
let stack: TestStack;
let deps: ActivityDeps;
let ref = { name: 'evm', version: '' };
let policy: RolloutPolicy;
/** The demo's rollout policy: stages, guardrails, the test. */
const example = JSON.parse(readFileSync(new URL('../../examples/seattle-weather/pipeline.json', import.meta.url), 'utf8')) as { rollout: unknown };
const versions = { a: 0, b: 0, shaB: '' };
const schema = async (file: string) => new Ajv2020({ strict: false }).compile(JSON.parse(await readFile(new URL(`../../contracts/schema/${file}.json`, import.meta.url), 'utf8')) as object);

/** The events received since `from`, each checked as a receiver would: signature with the secret, then parsed. */
function verified(from: number): Record<string, unknown>[] {
  return received.slice(from).map((r) => {
    const verdict = verifyWebhook({ body: r.body, timestamp: r.headers[TIMESTAMP_HEADER] as string, signature: r.headers[SIGNATURE_HEADER] as string, secret: SECRET });
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    return JSON.parse(r.body) as Record<string, unknown>;
  });
}

before(async () => {
  process.env.MLCYCLE_WEBHOOK_SECRET = SECRET;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stack = await startTestStack();
  const definition = {
    name: 'evm', data: { path: 'unused.csv' }, task: 'classification', target: 'y', features: { numeric: ['x1'], categorical: ['color'] },
    search: { space: { logreg: { l2: [0.1] } } }, events: { webhook: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` },
  };
  const parsed = parsePipeline({ ...definition, rollout: example.rollout }, 'test', '/');
  policy = parsed.rollout as RolloutPolicy;
  ref = await saveDefinition(stack.db, parsed, {});
  const blessed = (name: string, sha: string, bytes: number) => ({ ...tinyCard(name, sha, bytes), gate: { blessed: true } }) as ReturnType<typeof tinyCard>;
  const a = await registerModelBytes(stack, 'evm', await readFile(TINY_A), 'run-a', blessed);
  const b = await registerModelBytes(stack, 'evm', await readFile(TINY_B), 'run-b', blessed);
  Object.assign(versions, { a: a.version, b: b.version, shaB: b.sha256 });
  await deployVersion(stack.db, 'evm', a.version, 0, 'champion');
  deps = { db: stack.db, artifacts: stack.artifacts } as unknown as ActivityDeps; // these activities read Postgres only
});
after(async () => {
  delete process.env.MLCYCLE_WEBHOOK_SECRET;
  server.close();
  await stack?.stop();
});

test('a rollout\'s start, a person\'s pause, a stage and the decision reach the webhook signed, match their JSON Schemas, and a retried finish sends the same id', async () => {
  const rollout = createRolloutActivities(deps);
  const run = { workflowId: 'rollout:evm:1', runId: 'run-events-1' };
  const startFrom = received.length;
  const input: RolloutInput = {
    model: 'evm', challenger: { version: versions.b, sha256: versions.shaB }, task: 'classification', policy, disagreementTolerance: 0, pipeline: ref, startedBy: 'ana', reason: 'try b',
  };
  const begun = await rollout.beginRollout({ ...run, input });
  const [started] = verified(startFrom);
  assert.deepEqual(
    [started.kind, started.event, started.id, started.stage, started.mode, started.traffic, started.championVersion, started.challengerVersion, started.startedBy, started.time],
    ['rollout', 'started', `rollout-started:${run.runId}`, policy.stages[0].name, policy.stages[0].name === 'shadow' ? 'shadow' : 'split', policy.stages[0].traffic, versions.a, versions.b, 'ana', begun.startedAt],
  );
  const startedSchema = await schema('webhook-rollout-started');
  assert.ok(startedSchema(started), JSON.stringify(startedSchema.errors));

  // A person pauses: one event per command, the same id when the activity is retried.
  const steerFrom = received.length;
  const pause = { model: 'evm', version: versions.b, actor: 'ana', action: 'rollout_pause', reason: 'holiday traffic', runId: run.runId };
  const env = new MockActivityEnvironment({ activityId: '7', workflowExecution: { workflowId: run.workflowId, runId: 'wf-run-1' } });
  await env.run(rollout.auditRollout, pause);
  await env.run(rollout.auditRollout, pause);
  const [steered, steeredAgain] = verified(steerFrom);
  assert.equal(received.length - steerFrom, 2);
  assert.deepEqual([steered.event, steered.action, steered.actor, steered.reason, steered.challengerVersion], ['steered', 'pause', 'ana', 'holiday traffic', versions.b]);
  assert.equal(steeredAgain.id, steered.id);
  const steeredSchema = await schema('webhook-rollout-steered');
  assert.ok(steeredSchema(steered), JSON.stringify(steeredSchema.errors));

  const from = received.length;
  await rollout.setRolloutStage({ runId: run.runId, model: 'evm', challengerVersion: versions.b, stage: 'ab', mode: 'split', traffic: 0.5, actor: 'mlcycle', reason: 'shadow passed' });
  const finish = { runId: run.runId, model: 'evm', outcome: 'rolled back' as const, decidedBy: 'guardrail', reason: 'error rate 9% > 5%', assessment: null };
  await rollout.finishRollout(finish);
  await rollout.finishRollout(finish); // the activity retried after its state was written
  const [stage, decided, again] = verified(from);
  assert.equal(received.length - from, 3);
  assert.deepEqual(
    [stage.event, stage.stage, stage.traffic, stage.challengerVersion],
    ['stage', 'ab', 0.5, versions.b],
  );
  assert.deepEqual(
    [decided.kind, decided.event, decided.outcome, decided.reason, decided.decidedBy, decided.championVersion, decided.challengerVersion, decided.workflowId],
    ['rollout', 'decided', 'rolled_back', 'error rate 9% > 5%', 'guardrail', versions.a, versions.b, run.workflowId],
  );
  assert.equal(again.id, decided.id);
  assert.deepEqual(again, decided);
  const [stageSchema, decidedSchema] = [await schema('webhook-rollout-stage'), await schema('webhook-rollout-decided')];
  assert.ok(stageSchema(stage), JSON.stringify(stageSchema.errors));
  assert.ok(decidedSchema(decided), JSON.stringify(decidedSchema.errors));
  assert.equal(decidedSchema({ ...decided, outcome: 'maybe' }), false);
});

test('a breach opens an incident and a calm window closes it, each event sent once per id; a receiver answering 500 fails neither the monitor nor the rollout', async () => {
  const incidents = createIncidentActivities(deps);
  const window = { evaluated: true, breached: true, reasons: ['psi(x1) 0.41 > 0.25'], modelVersion: versions.a, toPredictionId: 0 };
  const from = received.length;
  const first = await incidents.decideRetrain({ monitorRunId: 'monitor-1', pipeline: ref, window });
  const retried = await incidents.decideRetrain({ monitorRunId: 'monitor-1', pipeline: ref, window });
  await incidents.decideRetrain({ monitorRunId: 'monitor-2', pipeline: ref, window }); // the same incident, still open: no new event
  const events = verified(from);
  assert.equal(events.length, 2);
  const [opened, resent] = events;
  const incident = (await listIncidents(stack.db, 'evm')).find((i) => i.id === first.incidentId);
  assert.deepEqual(
    [opened.kind, opened.event, opened.incidentId, opened.reasons, opened.decision, opened.reason, opened.championVersion],
    ['incident', 'opened', incident?.id, window.reasons, first.decision, first.reason, versions.a],
  );
  assert.equal(resent.id, opened.id);
  assert.deepEqual(retried, first);
  const openedSchema = await schema('webhook-incident-opened');
  assert.ok(openedSchema(opened), JSON.stringify(openedSchema.errors));

  // A window back within policy closes it: one closed event, the same id when the decision is asked again.
  const fromClose = received.length;
  const calm = { ...window, breached: false, reasons: [] };
  await incidents.decideRetrain({ monitorRunId: 'monitor-3', pipeline: ref, window: calm });
  await incidents.decideRetrain({ monitorRunId: 'monitor-3', pipeline: ref, window: calm });
  await incidents.decideRetrain({ monitorRunId: 'monitor-4', pipeline: ref, window: calm }); // nothing open: no event
  const closings = verified(fromClose);
  assert.equal(closings.length, 2);
  const [closed, closedAgain] = closings;
  assert.deepEqual(
    [closed.kind, closed.event, closed.incidentId, closed.reason, closed.monitorRunId, closed.championVersion, closedAgain.id],
    ['incident', 'closed', incident?.id, 'within_policy', 'monitor-3', versions.a, closed.id],
  );
  const closedSchema = await schema('webhook-incident-closed');
  assert.ok(closedSchema(closed), JSON.stringify(closedSchema.errors));
  assert.equal(closedSchema({ ...closed, reason: 'tired' }), false);

  answer = 500;
  const before = received.length;
  const run = { workflowId: 'rollout:evm:2', runId: 'run-events-2' };
  await beginRollout(stack.db, { ...run, modelName: 'evm', challengerVersion: versions.b, sha256: versions.shaB, stage: 'ab', mode: 'split', traffic: 0.5, actor: 'ana', reason: 'again' });
  await createRolloutActivities(deps).finishRollout({ runId: run.runId, model: 'evm', outcome: 'promoted', decidedBy: 'test', reason: 'b wins', assessment: null });
  assert.equal(received.length, before + 1, 'the receiver was asked once');
  const { rows } = await stack.db.query<{ details: { status: number } }>("SELECT details FROM audit_log WHERE action = 'webhook_rollout_decided' AND details->>'id' = $1", [`rollout-decided:${run.runId}`]);
  assert.equal(rows[0]?.details.status, 500);
  const deployed = await stack.db.query<{ champion: number }>('SELECT champion_version AS champion FROM deployments WHERE model_name = $1', ['evm']);
  assert.equal(deployed.rows[0].champion, versions.b, 'the promotion stands');
});
