// Rollouts end to end on a real stack: promoted and rolled back by the test from labels posted as feedback, a guardrail
// breach, people's Updates validated and audited.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../../worker/worker.js';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { getDeployment, setAlias } from '../../lib/store/models.js';
import { ROLLOUT_STAGE_ATTRIBUTE, rolloutWorkflowId } from '../../contracts/names.js';
import { rootMessage } from '../../contracts/failures.js';
import type { RolloutState } from '../../contracts/rollout.js';
import { RolloutCommandError, rolloutState, startRollout, steerRollout } from '../../triggers/rollout.js';
import { linearRegressorOnnx, regressionCard } from '../serving/regressionFixture.js';
import { encodeModel, TensorDataType } from '../../lib/onnx/model.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { recordHistory } from '../histories.js';
import { championAndChallenger, fastPolicy, registerBlessed, rolloutInput, TINY_A, TINY_B, trafficWithLabels, truthOfB } from './rolloutFixture.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.teardown();
});

/** Until serving lists the model with a challenger (replicas hear of deployments by NOTIFY). */
async function waitServed(model: string): Promise<void> {
  await eventually(`serving to load ${model}`, 15_000, async () => {
    const { models } = (await (await fetch(`${stack.info.httpUrl}/v1/models`)).json()) as { models: { name: string; challenger: unknown }[] };
    return models.find((m) => m.name === model)?.challenger ? true : null;
  });
}

async function runWithTraffic(model: string, truth: (x1: number, color: string) => string, timeoutMs = 120_000) {
  await waitServed(model);
  const handle = stack.client.workflow.getHandle(rolloutWorkflowId(model));
  let done = false;
  const deadline = Date.now() + timeoutMs;
  const traffic = trafficWithLabels(stack.info.httpUrl ?? '', model, () => done || Date.now() > deadline, truth);
  const result = (await handle.result().catch((err: Error) => {
    throw new Error(`the rollout failed: ${rootMessage(err)}`, { cause: err });
  })) as RolloutState;
  done = true;
  return { result, ...(await traffic) };
}

test('a better challenger goes shadow → canary → A/B and is promoted by the test; units stay on their variant', async () => {
  const { v1, v2 } = await championAndChallenger(stack, 'tiny-promote', TINY_A, TINY_B);
  await startRollout(stack.client, rolloutInput('tiny-promote', v2, fastPolicy()));
  const { result, answered, failures } = await runWithTraffic('tiny-promote', truthOfB);
  assert.deepEqual(failures, []);
  assert.equal(result.status, 'promoted', JSON.stringify(result.decision));
  assert.equal(result.decision?.by, 'test');
  assert.deepEqual(result.events.filter((e) => e.action.startsWith('stage')).map((e) => e.action.split(' ')[1]), ['canary', 'ab']);
  assert.equal(result.assessment?.test.decision, 'promote');
  assert.ok((result.assessment?.test.lower ?? 0) > 0, 'the confidence sequence excludes no improvement');

  const deployment = await getDeployment(stack.db, 'tiny-promote');
  assert.deepEqual([deployment?.championVersion, deployment?.challengerVersion], [v2.version, null]);
  // Shadow answers were logged beside the champion's for the same requests, and never returned.
  const shadow = await stack.db.query<{ n: number }>(
    `SELECT COUNT(*)::int AS n FROM predictions s JOIN predictions c ON c.request_id = s.request_id AND c.variant = 'champion'
      WHERE s.model_name = 'tiny-promote' AND s.variant = 'shadow' AND s.model_version = $1 AND c.model_version = $2`, [v2.version, v1.version]);
  assert.ok(shadow.rows[0].n >= 40, `${shadow.rows[0].n} shadow pairs`);
  assert.ok(!answered.some((a) => a.variant === 'shadow'), 'shadow answers are never returned');
  // Sticky: once a unit met the challenger, the old champion never answered it again.
  const metChallenger = new Map<string, number>();
  for (const a of answered) if (a.variant === 'challenger' && !metChallenger.has(a.unit)) metChallenger.set(a.unit, a.at);
  assert.ok(metChallenger.size > 0, 'some units met the challenger');
  const strays = answered.filter((a) => a.version === v1.version && (metChallenger.get(a.unit) ?? Infinity) < a.at);
  assert.deepEqual(strays, []);
  // Serving follows the promotion without a restart.
  await eventually('serving to answer with v2 as champion', 10_000, async () => {
    const { models } = (await (await fetch(`${stack.info.httpUrl}/v1/models`)).json()) as { models: { name: string; champion: { version: number }; challenger: unknown }[] };
    const m = models.find((x) => x.name === 'tiny-promote');
    return m?.champion.version === v2.version && m.challenger === null ? m : null;
  });
  const audit = await stack.db.query<{ actor: string; action: string }>("SELECT actor, action FROM audit_log WHERE subject = $1 ORDER BY id", [`tiny-promote@${v2.version}`]);
  assert.deepEqual(audit.rows.map((r) => r.action).filter((a) => a.startsWith('rollout')), ['rollout_stage', 'rollout_stage', 'rollout_stage', 'rollout_promote']);
  const described = await stack.client.workflow.getHandle(rolloutWorkflowId('tiny-promote')).describe();
  assert.deepEqual(described.typedSearchAttributes.get(ROLLOUT_STAGE_ATTRIBUTE), 'promoted');
  await recordHistory(stack.client, rolloutWorkflowId('tiny-promote'), described.runId, 'rollout-promoted', {
    about: 'a better challenger goes shadow → canary → A/B on timers and assessments, and the test promotes it', outcome: 'completed',
    activities: ['beginRollout', 'assessRollout', 'setRolloutStage', 'finishRollout'], events: ['TIMER_STARTED', 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'],
  });
});

test('a rollout that outlives its history continues as new, state and all, and still decides once', async () => {
  const { v2 } = await championAndChallenger(stack, 'tiny-long', TINY_A, TINY_B);
  await startRollout(stack.client, { ...rolloutInput('tiny-long', v2, fastPolicy()), continueAsNewAfterEvents: 40 });
  const { result, failures } = await runWithTraffic('tiny-long', truthOfB);
  assert.deepEqual(failures, []);
  assert.equal(result.status, 'promoted', JSON.stringify(result.decision));
  const runs: { runId: string; status: string; startTime: Date }[] = [];
  for await (const w of stack.client.workflow.list({ query: `WorkflowId="${rolloutWorkflowId('tiny-long')}"` })) runs.push({ runId: w.runId, status: w.status.name, startTime: w.startTime });
  assert.ok(runs.length >= 2, `continued as new (${runs.length} runs)`);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  await recordHistory(stack.client, rolloutWorkflowId('tiny-long'), runs[0].runId, 'rollout-continued-as-new', {
    about: 'the first run of a long rollout: it begins, then continues as new past its event budget, carrying its state', outcome: 'continued-as-new',
    activities: ['beginRollout', 'assessRollout'],
  });
  await recordHistory(stack.client, rolloutWorkflowId('tiny-long'), runs.at(-1)?.runId, 'rollout-continued-last', {
    about: 'the last run of a long rollout: started from carried state (no second begin), it decides and finishes', outcome: 'completed',
    activities: ['assessRollout', 'finishRollout'],
  });
  assert.equal(result.events.filter((e) => e.action === 'started').length, 1, 'begun once; events carried over');
  const rows = await stack.db.query<{ status: string }>("SELECT status FROM rollouts WHERE model_name = 'tiny-long'");
  assert.deepEqual(rows.rows, [{ status: 'promoted' }]);
});

test('a worse challenger is rolled back by the paired shadow test, before it answers anyone', async () => {
  const { v1, v2 } = await championAndChallenger(stack, 'tiny-worse', TINY_B, TINY_A);
  await startRollout(stack.client, rolloutInput('tiny-worse', v2, fastPolicy()));
  const { result, answered } = await runWithTraffic('tiny-worse', truthOfB);
  assert.equal(result.status, 'rolled back');
  assert.equal(result.decision?.by, 'test');
  assert.equal(result.stage, 'shadow');
  assert.equal(result.assessment?.test.code, 'worse');
  assert.ok(answered.every((a) => a.version === v1.version), 'only the champion answered');
  const deployment = await getDeployment(stack.db, 'tiny-worse');
  assert.deepEqual([deployment?.championVersion, deployment?.challengerVersion], [v1.version, null]);
});

/** A regressor that answers √x1: fine on the warm-up row (x1 = 0), NaN on any negative x1. */
function sqrtRegressorOnnx(): Uint8Array {
  return encodeModel({
    irVersion: 8, opsets: [{ domain: '', version: 13 }], producerName: 'mlcycle-tests',
    graph: {
      name: 'sqrt_regressor',
      inputs: [{ name: 'x1', elemType: TensorDataType.FLOAT, dims: ['N', 1] }, { name: 'x2', elemType: TensorDataType.FLOAT, dims: ['N', 1] }],
      outputs: [{ name: 'prediction', elemType: TensorDataType.FLOAT, dims: ['N', 1] }],
      nodes: [
        { opType: 'Identity', inputs: ['x2'], outputs: ['unused'], attributes: {} },
        { opType: 'Sqrt', inputs: ['x1'], outputs: ['prediction'], attributes: {} },
      ],
    },
  });
}

test('a challenger whose scoring fails is rolled back by the error-rate guardrail; clients never see its errors', async () => {
  const spec = { coefficients: [1, 1], intercepts: [0] };
  const v1 = await registerBlessed(stack, 'reg-broken', linearRegressorOnnx(spec), regressionCard());
  const v2 = await registerBlessed(stack, 'reg-broken', sqrtRegressorOnnx(), regressionCard());
  await setAlias(stack.db, { modelName: 'reg-broken', alias: 'champion', version: v1.version, actor: 'test', reason: 'champion' });
  const policy = fastPolicy({ metric: 'squaredError', stages: [{ name: 'canary', traffic: 0.5, minSamples: 30, maxDurationSeconds: 120 }], guardrails: { minRequests: 20, maxErrorRate: 0.05 } });
  await startRollout(stack.client, rolloutInput('reg-broken', v2, policy, 'regression'));
  const handle = stack.client.workflow.getHandle(rolloutWorkflowId('reg-broken'));
  await waitServed('reg-broken');
  let done = false;
  const statuses: number[] = [];
  const answeredBy = new Set<number>();
  const traffic = (async () => {
    for (let k = 0; !done && k < 2000; k++) {
      const instances = Array.from({ length: 10 }, (_, i) => ({ x1: -1 - i, x2: i }));
      const res = await fetch(`${stack.info.httpUrl}/v1/models/reg-broken/predict`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-mlcycle-unit': `user-${k % 50}` }, body: JSON.stringify({ instances }),
      });
      statuses.push(res.status);
      if (res.ok) for (const p of ((await res.json()) as { predictions: { version: number }[] }).predictions) answeredBy.add(p.version);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const result = (await handle.result()) as RolloutState;
  done = true;
  await traffic;
  assert.equal(result.status, 'rolled back');
  assert.equal(result.decision?.by, 'guardrail');
  assert.match(result.decision?.reason ?? '', /canary: challenger error rate 100\.0% above 5\.0%/);
  assert.deepEqual([...new Set(statuses)], [200], 'every request was answered');
  assert.deepEqual([...answeredBy], [v1.version], 'by the champion');
  const deployment = await getDeployment(stack.db, 'reg-broken');
  assert.equal(deployment?.challengerVersion, null);
  await recordHistory(stack.client, rolloutWorkflowId('reg-broken'), undefined, 'rollout-guardrail', {
    about: 'a one-stage canary rolled back by the error-rate guardrail', outcome: 'completed', activities: ['beginRollout', 'assessRollout', 'finishRollout'],
  });
  // Each failure is in the serving API's structured log, not swallowed.
  const line = await eventually('the challenger failure in logs/serving.log', 10_000, async () => {
    const text = await readFile(join(stack.env.stateDir, 'logs', 'serving.log'), 'utf8').catch(() => '');
    const found = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; model?: string; version?: number; err?: { message: string } })
      .find((l) => l.msg === 'the challenger failed to score; the champion answered instead' && l.model === 'reg-broken');
    return found ?? null;
  });
  assert.deepEqual([line.level, line.version], [50, v2.version]);
  assert.match(line.err?.message ?? '', /predicted NaN/);
});

test("people's Updates are checked (refused with the reason) and every attempt audited with who and why", async () => {
  const { v2 } = await championAndChallenger(stack, 'tiny-steer', TINY_A, TINY_B);
  await startRollout(stack.client, rolloutInput('tiny-steer', v2, fastPolicy()));
  await assert.rejects(startRollout(stack.client, rolloutInput('tiny-steer', v2, fastPolicy())), /a rollout of tiny-steer is running/);
  await eventually('the rollout to begin', 10_000, async () => ((await rolloutState(stack.client, 'tiny-steer')).stage === 'shadow' ? true : null));

  await assert.rejects(steerRollout(stack, 'tiny-steer', 'promote', { actor: 'alice', reason: 'looks good', version: 9 }), (err: Error) => {
    assert.ok(err instanceof RolloutCommandError);
    assert.match(err.message, /refused: tiny-steer@9 is not in rollout: tiny-steer@2 is \(stage shadow\)/);
    return true;
  });
  await assert.rejects(steerRollout(stack, 'tiny-steer', 'pause', { actor: 'alice', reason: '' }), /refused: reason is required/);
  await assert.rejects(steerRollout(stack, 'tiny-steer', 'resume', { actor: 'alice', reason: 'go on' }), /refused: the rollout of tiny-steer@2 is not paused/);
  await assert.rejects(steerRollout(stack, 'tiny-steer', 'traffic', { actor: 'alice', reason: 'more', traffic: 1.5 }), /refused: traffic must be a share in \(0, 1\]/);

  const paused = await steerRollout(stack, 'tiny-steer', 'pause', { actor: 'alice', reason: 'checking the dashboards' });
  assert.equal(paused.status, 'paused');
  const resumed = await steerRollout(stack, 'tiny-steer', 'resume', { actor: 'bob', reason: 'dashboards fine' });
  assert.equal(resumed.status, 'running');
  const traffic = await steerRollout(stack, 'tiny-steer', 'traffic', { actor: 'bob', reason: 'mirror half', traffic: 0.5 });
  assert.equal(traffic.traffic, 0.5);
  assert.equal((await getDeployment(stack.db, 'tiny-steer'))?.challengerWeight, 0.5);
  const rolledBack = await steerRollout(stack, 'tiny-steer', 'rollback', { actor: 'carol', reason: 'not this week', version: v2.version });
  assert.equal(rolledBack.status, 'rolled back');
  assert.deepEqual(rolledBack.decision, { outcome: 'rolled back', by: 'carol', reason: 'rolled back by carol: not this week' });
  await assert.rejects(steerRollout(stack, 'tiny-steer', 'promote', { actor: 'alice', reason: 'too late' }), /has ended|no running rollout/);

  const audit = await stack.db.query<{ actor: string; action: string; reason: string; refusal: string | null }>(
    "SELECT actor, action, details->>'reason' AS reason, details->>'refusal' AS refusal FROM audit_log WHERE subject = 'tiny-steer@2' AND actor NOT IN ('test', 'mlcycle') ORDER BY id",
  );
  // Refused attempts first, each with the refusal (audited by the rollout itself), then the accepted commands.
  assert.deepEqual(audit.rows.slice(0, 4).map((r) => [r.actor, r.action, r.reason, r.refusal]), [
    ['alice', 'rollout_promote_refused', 'looks good', 'tiny-steer@9 is not in rollout: tiny-steer@2 is (stage shadow); nothing to promote'],
    ['alice', 'rollout_pause_refused', '', 'reason is required (at least 3 characters): why (it is audited)'],
    ['alice', 'rollout_resume_refused', 'go on', 'the rollout of tiny-steer@2 is not paused'],
    ['alice', 'rollout_traffic_refused', 'more', 'traffic must be a share in (0, 1], got 1.5'],
  ]);
  assert.deepEqual(audit.rows.slice(4).map((r) => [r.actor, r.action, r.reason]), [
    ['alice', 'rollout_pause', 'checking the dashboards'],
    ['bob', 'rollout_resume', 'dashboards fine'],
    ['bob', 'rollout_stage', 'mirror half'],
    ['carol', 'rollout_rollback', 'rolled back by carol: not this week'],
  ]);
  assert.equal((await getDeployment(stack.db, 'tiny-steer'))?.challengerVersion, null);

  // The history with its Updates replays on the current workflow code (recorded for test/unit/replay-history.test.ts).
  const history = await stack.client.workflow.getHandle(rolloutWorkflowId('tiny-steer')).fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle(join(stack.env.stateDir, 'cache')) }, history, rolloutWorkflowId('tiny-steer'));
  await recordHistory(stack.client, rolloutWorkflowId('tiny-steer'), undefined, 'rollout-steer', {
    about: "a rollout steered by people's Updates: four refused by the handler (each audited by an activity), then pause, resume, traffic, rollback", outcome: 'completed',
    updates: ['promote', 'pause', 'resume', 'setTraffic', 'pause', 'resume', 'setTraffic', 'rollback'],
    activities: ['beginRollout', 'auditRolloutRefusal', 'auditRollout', 'setRolloutStage', 'finishRollout'],
  });
});
