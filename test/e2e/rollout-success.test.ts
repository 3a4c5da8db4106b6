// A rollout decided by a success metric end to end: predictions with unit ids, outcomes posted after them, bad ones refused.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { rolloutWorkflowId } from '../../contracts/names.js';
import type { RolloutState } from '../../contracts/rollout.js';
import { mulberry32 } from '../../lib/train/cv.js';
import { formatRolloutState, startRollout } from '../../triggers/rollout.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { championAndChallenger, fastPolicy, rolloutInput, TINY_A, TINY_B } from './rolloutFixture.js';
import { dataFolder, definitionOf, storeDefinition } from './rolloutPeopleFixture.js';
import { predict } from './rolloutUnitsFixture.js';

let stack: TestStack;
let folder: { dir: string; csv: string };
before(async () => {
  stack = await startTestStack();
  folder = await dataFolder();
});
after(async () => {
  await stack?.teardown();
  if (folder) await rm(folder.dir, { recursive: true, force: true });
});

const MODEL = 'success-ab';
const SUCCESS = { name: 'converted', kind: 'event', direction: 'increase', minEffect: 0.1 };

async function postOutcomes(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.info.httpUrl}/v1/models/${MODEL}/outcomes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The counter's value for (result, reason) in /metrics. */
async function counted(result: string, reason = ''): Promise<number> {
  const text = await (await fetch(`${stack.info.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`mlcycle_outcomes_total{model="${MODEL}",result="${result}",reason="${reason}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('outcomes posted after the predictions decide the rollout; bad outcomes are refused naming the field and counted', async () => {
  const { v1, v2 } = await championAndChallenger(stack, MODEL, TINY_A, TINY_B);
  const policyJson = {
    intervalSeconds: 1, alpha: 0.05, minEffect: 0.1, maxSamples: 3000, success: SUCCESS,
    stages: [{ name: 'ab', traffic: 0.5, minSamples: 40, maxDurationSeconds: 90 }],
    guardrails: { minRequests: 20, maxDisagreement: 1, maxPredictionShift: 100, maxP99LatencyMs: 5000 },
  };
  const ref = await storeDefinition(stack, definitionOf(MODEL, folder.csv, policyJson));
  await startRollout(stack.client, { ...rolloutInput(MODEL, v2, fastPolicy(policyJson)), pipeline: ref });
  await eventually('serving to load the challenger', 15_000, async () => {
    const { models } = (await (await fetch(`${stack.info.httpUrl}/v1/models`)).json()) as { models: { name: string; challenger: unknown }[] };
    return models.find((m) => m.name === MODEL)?.challenger ? true : null;
  });

  // 120 users, 3 predictions each (no labels at all: the model metric's guardrail stays unjudged).
  const rand = mulberry32(7);
  const users = Array.from({ length: 120 }, (_, i) => `user-${i}`);
  const sent: { requestId: string; unit: string; variant: string }[] = [];
  for (let round = 0; round < 3; round++) {
    const batch = users.map((unit) => ({ requestId: randomUUID(), unit, x1: rand() * 2 - 1, color: 'red' }));
    const answers = await predict(stack.info.httpUrl ?? '', MODEL, batch);
    batch.forEach((b, i) => sent.push({ requestId: b.requestId, unit: b.unit, variant: answers[i].variant }));
  }
  const variantOf = new Map(sent.map((s) => [s.unit, s.variant]));
  const exposures = { champion: sent.filter((s) => s.variant === 'champion').length, challenger: sent.filter((s) => s.variant === 'challenger').length };
  assert.ok([...variantOf.values()].filter((v) => v === 'challenger').length >= 35, 'enough challenger units');

  // Bad bodies: 400 naming the field, nothing stored, counted.
  const at = new Date().toISOString();
  const bad: [unknown, RegExp][] = [
    [{ outcomes: [{ unitId: 'user-1', metric: 'converted', value: 'yes', at }] }, /^outcomes\[0\]\.value must be a number; nothing was stored$/],
    [{ outcomes: [{ unitId: 'user-1', metric: 'converted', value: 1 }] }, /^outcomes\[0\]\.at is required with unitId/],
    [{ outcomes: [{ unitId: 'user-1', metric: 'converted', at }, { metric: 'converted', at }] }, /^outcomes\[1\] needs exactly one of unitId and requestId/],
    [{ outcomes: [{ unitId: 'user-1', metric: 'revenue', value: 3, at }] }, /^outcomes\[0\]\.metric "revenue" is not a success metric of success-ab: its definition declares "converted"/],
    [{ outcomes: [{ unitId: 'user-1', metric: 'converted', value: 2, at }] }, /^outcomes\[0\]\.value must be 0 or 1 for the event metric "converted": got 2/],
    [{ outcome: [] }, /^outcomes is required/],
  ];
  for (const [body, message] of bad) {
    const r = await postOutcomes(body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(String(r.body.message), message);
  }
  assert.equal(await counted('refused', 'value_not_a_number'), 1);
  assert.equal(await counted('refused', 'unknown_metric'), 1);
  assert.equal(await counted('refused', 'event_not_0_or_1'), 1);
  const unknown = await postOutcomes({ outcomes: [{ unitId: 'nobody', metric: 'converted', at }] });
  assert.equal(unknown.status, 404);
  assert.match(String(unknown.body.message), /outcomes\[0\]\.unitId matches no logged prediction of success-ab/);
  assert.equal(await counted('refused', 'unknown_unit'), 1);
  assert.equal((await stack.db.query('SELECT 1 FROM outcomes')).rowCount, 0, 'nothing stored from refused bodies');

  // Outcomes later: the challenger's users convert after 70% of exposures, the champion's after 20%. Most name the unit
  // (with the time they happened), some the request; a stray request id is listed as refused, the rest are stored.
  const outcomes = sent.map((s, i) => {
    const converted = rand() < (s.variant === 'challenger' ? 0.7 : 0.2) ? 1 : 0;
    return i % 4 === 0 ? { requestId: s.requestId, metric: 'converted', value: converted } : { unitId: s.unit, metric: 'converted', value: converted, at: new Date(Date.now() + i).toISOString() };
  });
  const stray = { requestId: 'never-predicted', metric: 'converted', value: 1 };
  const posted = await postOutcomes({ outcomes: [...outcomes, stray] });
  assert.equal(posted.status, 200, JSON.stringify(posted.body));
  assert.deepEqual(posted.body, { stored: outcomes.length, duplicates: 0, refused: [{ index: outcomes.length, code: 'unknown_request', reason: `outcomes[${outcomes.length}].requestId "never-predicted" matches no logged prediction of success-ab` }] });
  // The client resends them all: counted once.
  const resent = await postOutcomes({ outcomes });
  assert.deepEqual(resent.body, { stored: 0, duplicates: outcomes.length, refused: [] });
  assert.equal(await counted('duplicate'), outcomes.length);
  assert.equal(await counted('stored'), outcomes.length);

  const result = (await stack.client.workflow.getHandle(rolloutWorkflowId(MODEL)).result()) as RolloutState;
  assert.equal(result.status, 'promoted', JSON.stringify(result.decision));
  assert.equal(result.decision?.by, 'test');
  assert.match(result.decision?.reason ?? '', /^ab: converted \(per exposure\): challenger better: improvement/);
  const a = result.assessment;
  assert.equal(a?.decidedOn, 'converted');
  assert.deepEqual(a?.test.samples, exposures, 'every exposure once, outcomes or not');
  assert.deepEqual(a?.test.units, { champion: [...variantOf.values()].filter((v) => v === 'champion').length, challenger: [...variantOf.values()].filter((v) => v === 'challenger').length });
  const guard = a?.guardrails.find((g) => g.name === 'modelMetric');
  assert.equal(guard?.judged, false, 'no labels: the model metric is not judged');
  const shown = formatRolloutState(result);
  assert.match(shown, /\n  test      converted: estimate /);
  assert.match(shown, /modelMetric – \(too few\)/);
  assert.equal(v1.version + 1, v2.version);
});
