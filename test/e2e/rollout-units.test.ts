// Rollouts on clustered traffic, end to end: a few units send many requests (and resend them) through serving and the
// feedback API; the evidence the rollout reports counts units, each request id once, and matches the log counted by hand.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rolloutWorkflowId } from '../../contracts/names.js';
import type { RolloutState } from '../../contracts/rollout.js';
import { ratioMean, ratioVariance, type UnitSums } from '../../lib/stats/unitSums.js';
import { observePairs, observeSplit } from '../../lib/store/rolloutObservations.js';
import { formatRolloutState, rolloutState, startRollout } from '../../triggers/rollout.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { championAndChallenger, fastPolicy, rolloutInput, TINY_A, TINY_B } from './rolloutFixture.js';
import { expectedPairs, expectedSplit, predict, sendLabelled, type Sent } from './rolloutUnitsFixture.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.teardown();
});

const UNITS = Array.from({ length: 8 }, (_, i) => `user-${i}`);
const EPOCH = '1970-01-01T00:00:00Z';
const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} ≠ ${b}`);
const sameSums = (a: UnitSums, b: UnitSums, what: string): void => {
  for (const k of ['units', 'n', 'nn', 'y', 'yy', 'yn'] as const) close(a[k], b[k], `${what}.${k}`);
};

async function waitServed(model: string): Promise<void> {
  await eventually(`serving to load ${model}`, 15_000, async () => {
    const { models } = (await (await fetch(`${stack.info.httpUrl}/v1/models`)).json()) as { models: { name: string; challenger: unknown }[] };
    return models.find((m) => m.name === model)?.challenger ? true : null;
  });
}

/** How many checks the rollout has scheduled so far (from its history). */
async function checks(model: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(rolloutWorkflowId(model)).fetchHistory();
  return (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'assessRollout').length;
}

/** Sends every instance again under its request id (no new label), waits until the log has them and two more checks ran. */
async function resendAll(model: string, sent: Sent[], loggedBefore: number): Promise<void> {
  for (let i = 0; i < sent.length; i += 40) {
    const batch = sent.slice(i, i + 40);
    const answers = await predict(stack.info.httpUrl ?? '', model, batch);
    // Sticky: a resent request meets the variant it met the first time.
    assert.deepEqual(answers.map((a) => a.variant === 'challenger'), batch.map((s) => s.variant === 'challenger'));
  }
  await eventually('the resent answers in the log', 15_000, async () => {
    const r = await stack.db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM predictions WHERE model_name = $1', [model]);
    return r.rows[0].n >= loggedBefore + sent.length ? true : null;
  });
  const k = await checks(model);
  await eventually('two more checks', 15_000, async () => ((await checks(model)) >= k + 2 ? true : null));
}

test('A/B: a few units sending many requests are a few units; a resent request id counts once', async () => {
  const model = 'units-ab';
  const { v1, v2 } = await championAndChallenger(stack, model, TINY_A, TINY_B);
  const policy = fastPolicy({ stages: [{ name: 'ab', traffic: 0.5, minSamples: 40, maxDurationSeconds: 30 }] });
  await startRollout(stack.client, rolloutInput(model, v2, policy));
  await waitServed(model);
  // 8 users × 10 requests × 5 instances, and 12 instances that name no unit (each routed, and counted, by its request id).
  const sent = await sendLabelled(stack.info.httpUrl ?? '', model, UNITS, 10, 5, 12, 11);
  const expected = expectedSplit(sent);
  assert.ok(expected.champion.units >= 3 && expected.challenger.units >= 3, JSON.stringify(expected));
  const samples = { champion: expected.champion.n, challenger: expected.challenger.n };
  const units = { champion: expected.champion.units, challenger: expected.challenger.units };

  const seen = await eventually('the rollout to count every label', 20_000, async () => {
    const s = await rolloutState(stack.client, model);
    return s.assessment && JSON.stringify(s.assessment.test.samples) === JSON.stringify(samples) ? s : null;
  });
  const t = seen.assessment?.test;
  assert.deepEqual(t?.units, units, 'units, not requests');
  close(t?.estimate ?? NaN, ratioMean(expected.challenger) - ratioMean(expected.champion), 'estimate');
  close(t?.standardError ?? NaN, Math.sqrt(ratioVariance(expected.champion, false) + ratioVariance(expected.challenger, false)), 'standard error by unit');
  assert.equal(t?.code, 'too-few-units');
  assert.match(t?.reason ?? '', new RegExp(`^${Math.min(units.champion, units.challenger)} of the 30 units per variant needed before testing`));
  const versions = { modelName: model, championVersion: v1.version, challengerVersion: v2.version };
  const read = await observeSplit(stack.db, versions, 'accuracy', EPOCH);
  sameSums(read.champion, expected.champion, 'champion');
  sameSums(read.challenger, expected.challenger, 'challenger');

  // The client resends all 92 request ids: serving answers and logs them again; the evidence does not move.
  await resendAll(model, sent, sent.length);
  const logged = await stack.db.query<{ n: number; ids: number }>('SELECT COUNT(*)::int AS n, COUNT(DISTINCT request_id)::int AS ids FROM predictions WHERE model_name = $1', [model]);
  assert.deepEqual(logged.rows[0], { n: 2 * sent.length, ids: sent.length });
  const again = await rolloutState(stack.client, model);
  assert.deepEqual([again.assessment?.test.samples, again.assessment?.test.units], [samples, units]);
  const reread = await observeSplit(stack.db, versions, 'accuracy', EPOCH);
  sameSums(reread.champion, expected.champion, 'champion after the resend');
  sameSums(reread.challenger, expected.challenger, 'challenger after the resend');
  assert.match(formatRolloutState(again), new RegExp(`samples +champion ${samples.champion} from ${units.champion} units, challenger ${samples.challenger} from ${units.challenger} units`));

  // Too few units to decide: the stage's deadline rolls back and says why, in the state and the audit log.
  const result = (await stack.client.workflow.getHandle(rolloutWorkflowId(model)).result()) as RolloutState;
  assert.equal(result.status, 'rolled back');
  assert.equal(result.decision?.by, 'deadline');
  assert.match(result.decision?.reason ?? '', /^ab ended after 30 s without a win \(\d+ of the 30 units per variant needed before testing/);
  const audit = await stack.db.query<{ reason: string }>("SELECT details->>'reason' AS reason FROM audit_log WHERE subject = $1 AND action = 'rollout_rollback'", [`${model}@${v2.version}`]);
  assert.match(audit.rows[0]?.reason ?? '', /units per variant needed before testing/);
});

test('shadow: pairs are counted by unit, one per request id however often it is resent', async () => {
  const model = 'units-shadow';
  const { v1, v2 } = await championAndChallenger(stack, model, TINY_A, TINY_B);
  const policy = fastPolicy({ stages: [{ name: 'shadow', traffic: 1, minSamples: 100_000, maxDurationSeconds: 25 }], maxSamples: 100_000 });
  await startRollout(stack.client, rolloutInput(model, v2, policy));
  await waitServed(model);
  const sent = await sendLabelled(stack.info.httpUrl ?? '', model, UNITS, 8, 5, 0, 12);
  // Shadow answers are logged on the side: read the pairs back once every mirrored answer is in.
  const expected = await eventually('the shadow answers in the log', 15_000, async () => {
    const e = await expectedPairs(stack.db, model);
    return e.rows === 2 * sent.length ? e : null;
  });
  assert.equal(expected.differences.units, UNITS.length);
  const seen = await eventually('the rollout to count every pair', 20_000, async () => {
    const s = await rolloutState(stack.client, model);
    return s.assessment?.test.samples.champion === expected.differences.n ? s : null;
  });
  const t = seen.assessment?.test;
  assert.equal(t?.kind, 'paired');
  assert.deepEqual(t?.units, { champion: UNITS.length, challenger: UNITS.length });
  close(t?.estimate ?? NaN, ratioMean(expected.differences), 'estimate');
  const disagreement = seen.assessment?.guardrails.find((g) => g.name === 'disagreement');
  assert.equal(disagreement?.units, UNITS.length);
  close(disagreement?.value ?? NaN, ratioMean(expected.disagreement), 'disagreement');
  const versions = { modelName: model, championVersion: v1.version, challengerVersion: v2.version };
  const read = await observePairs(stack.db, versions, 'accuracy', EPOCH, 0);
  sameSums(read.differences, expected.differences, 'differences');
  sameSums(read.disagreement, expected.disagreement, 'disagreement');

  await resendAll(model, sent, 2 * sent.length);
  const after = await rolloutState(stack.client, model);
  assert.equal(after.assessment?.test.samples.champion, expected.differences.n, 'resent pairs add nothing');
  const reread = await observePairs(stack.db, versions, 'accuracy', EPOCH, 0);
  sameSums(reread.differences, expected.differences, 'differences after the resend');
  assert.equal(reread.pairs, expected.disagreement.n, 'the disagreement guardrail counts each request once too');
  const result = (await stack.client.workflow.getHandle(rolloutWorkflowId(model)).result()) as RolloutState;
  assert.equal(result.status, 'rolled back');
});
