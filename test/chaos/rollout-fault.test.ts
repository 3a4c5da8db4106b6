// Scenario 5: a rollout under fault: a worker SIGKILLed during a traffic Update, build B deployed while it runs, PostgreSQL SIGKILLed during the promotion.
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { rolloutWorkflowId } from '../../contracts/names.js';
import type { RolloutState } from '../../contracts/rollout.js';
import { openArtifactStore } from '../../lib/store/artifactsEnv.js';
import { setCurrentBuild } from '../../stack/deployments.js';
import { temporalConnectionOptions } from '../../temporal/connectionOptions.js';
import { startRollout } from '../../triggers/rollout.js';
import { steerer } from './steer.js';
import { fastPolicy, registerBlessed, rolloutInput, TINY_B } from '../e2e/rolloutFixture.js';
import { makeBuildB } from '../cluster/buildB.js';
import { chaosFor } from './seed.js';
import { startLoad } from './load.js';
import { checkLog, loggedCounts } from './logCheck.js';
import { reportRow } from './report.js';
import { MODEL, startServingCluster, tinyInstance, type ServingCluster } from './servingCluster.js';

let s: ServingCluster;
let buildB: string | undefined;
before(async () => {
  s = await startServingCluster({ workers: 2, replicas: 2 });
});
after(async () => {
  await s?.teardown();
  if (buildB) await rm(buildB, { recursive: true, force: true });
});

/** Each unit's variants in time order before `until`: a unit that met the challenger and then the champion switched. */
async function switchedUnits(prefix: string, until: number): Promise<{ units: number; switched: string[] }> {
  const res = await s.cluster.db.query<{ unit: string; variants: string[] }>(
    `SELECT u AS unit, array_agg(r.variant ORDER BY r.created_at) AS variants FROM prediction_requests r, unnest(r.unit_ids) AS u
     WHERE r.model_name = $1 AND u LIKE $2 AND r.created_at < to_timestamp($3 / 1000.0) GROUP BY u`,
    [MODEL, `${prefix}%`, until],
  );
  const switched = res.rows.filter((r) => r.variants.some((v, i) => v === 'champion' && r.variants.slice(0, i).includes('challenger'))).map((r) => r.unit);
  return { units: res.rows.length, switched };
}

test('a rollout steered through a worker kill, a deploy of new code and a PostgreSQL kill: each decision once, one audit row per action, no unit switched back', async () => {
  const chaos = chaosFor('rollout-fault');
  const { cluster } = s;
  const artifacts = openArtifactStore(cluster.env.artifactDir, { ...process.env, ...cluster.info.clientEnv });
  const v2 = await registerBlessed({ db: cluster.db, artifacts } as never, MODEL, await readFile(TINY_B));
  const policy = fastPolicy({
    maxSamples: 1_000_000,
    stages: [{ name: 'canary', traffic: 0.2, minSamples: 100_000, maxDurationSeconds: 3600 }, { name: 'ab', traffic: 0.5, minSamples: 100_000, maxDurationSeconds: 3600 }],
  });
  await startRollout(cluster.client, rolloutInput(MODEL, v2, policy), 60_000);
  const unitPrefix = `unit-${chaos.seed}-`;
  const load = startLoad({
    url: cluster.balancer.url, model: MODEL, concurrency: 8, instancesPerRequest: 1, instance: tinyInstance, pauseMs: 5,
    prefix: `rf-${chaos.seed}`, unit: (i) => `${unitPrefix}${(i * 7919 + chaos.seed) % 300}`,
  });
  const conn = { client: cluster.client, db: cluster.db };
  const steer = steerer(conn, MODEL);
  await sleep(chaos.int(2000, 4000));

  // (a) A worker SIGKILLed while the traffic Update is being applied, then replaced.
  const workers = cluster.processes.filter((p) => p.name.startsWith('worker-') && p.child.exitCode === null && p.child.signalCode === null);
  const victim = chaos.pick(workers);
  const widening = steer('traffic', { actor: 'chaos', reason: 'widen the canary while a worker dies', traffic: 0.3, version: v2.version });
  await sleep(chaos.int(0, 300));
  victim.child.kill('SIGKILL');
  await victim.exited;
  const widened = await widening;
  await cluster.addWorker();

  // (b) Build B deployed and made current while the rollout (pinned to A) runs on.
  buildB = await makeBuildB();
  await cluster.addWorker({ projectRoot: buildB, buildId: 'chaos-b' });
  await setCurrentBuild({ address: cluster.info.temporalAddress, namespace: cluster.info.namespace, connectionOptions: temporalConnectionOptions(cluster.info.clientEnv), deploymentName: 'mlcycle', buildId: 'chaos-b' });
  await sleep(chaos.int(2000, 4000));

  // (c) PostgreSQL (the store and Temporal's persistence) SIGKILLed while the promotion is decided.
  const promoteSentAt = Date.now();
  const promoting = steer('promote', { actor: 'chaos', reason: 'promote while PostgreSQL dies', version: v2.version });
  await sleep(chaos.int(0, 300));
  await s.pg.kill();
  const downMs = chaos.int(3000, 8000);
  await sleep(downMs);
  await s.pg.start();
  const promoted = await promoting;
  const final = (await cluster.client.workflow.getHandle(rolloutWorkflowId(MODEL)).result()) as RolloutState;
  await sleep(2000);
  const answers = await load.stop();
  await sleep(2000);

  const audits = await cluster.db.query<{ action: string; n: number }>(
    `SELECT action, COUNT(*)::int AS n FROM audit_log WHERE subject = $1 AND action LIKE 'rollout_%' GROUP BY action, actor, details::text ORDER BY action`, [`${MODEL}@${v2.version}`],
  );
  const repeated = audits.rows.filter((r) => r.n > 1).map((r) => `${r.action} ×${r.n}`);
  const actions = audits.rows.map((r) => r.action);
  const deployment = (await cluster.db.query<{ c: number; ch: number | null }>('SELECT champion_version AS c, challenger_version AS ch FROM deployments WHERE model_name = $1', [MODEL])).rows[0];
  const events = (await cluster.client.workflow.getHandle(rolloutWorkflowId(MODEL)).fetchHistory()).events ?? [];
  const accepted = events.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name).filter(Boolean);
  const { units, switched } = await switchedUnits(unitPrefix, promoteSentAt);
  const check = checkLog(answers, await loggedCounts(cluster.db, MODEL));
  const failed = answers.filter((a) => a.status !== 200);

  reportRow({
    scenario: '5. a rollout under fault: worker SIGKILLed during a traffic Update, build B deployed, PostgreSQL SIGKILLed during the promotion',
    runs: 1, faults: 3, seed: chaos.seed,
    outcome: `${final.status} by ${final.decision?.by}; Updates accepted: ${accepted.join(', ')}; audit: ${actions.join(', ')}; ${units} units, ${switched.length} met the champion after the challenger; ${answers.length} requests, ${failed.length} not 200`,
    lost: check.lost.length, duplicated: check.duplicated.length + repeated.length,
    figures: { 'PostgreSQL down (ms)': downMs, 'commands resent after a failed connection': [widened, promoted].filter((x) => x.resent).length },
  });
  assert.equal(widened.state.traffic, 0.3, 'the traffic Update took effect');
  assert.equal(final.status, 'promoted');
  assert.deepEqual(deployment, { c: v2.version, ch: null }, 'v2 is champion, no challenger');
  assert.deepEqual(repeated, [], 'no audit row twice');
  assert.equal(actions.filter((a) => a === 'rollout_promote').length, 1, `one promotion row: ${actions.join(', ')}`);
  // The traffic Update is audited as a stage row with its new share: the start's 0.2, then 0.3, once each.
  const stages = await cluster.db.query<{ traffic: number }>(`SELECT (details->>'traffic')::float8 AS traffic FROM audit_log WHERE subject = $1 AND action = 'rollout_stage' ORDER BY id`, [`${MODEL}@${v2.version}`]);
  assert.deepEqual(stages.rows.map((r) => r.traffic), [0.2, 0.3], 'one stage row at the start, one for the traffic Update');
  assert.ok(units > 100, `the load spread over units (${units})`);
  assert.deepEqual(switched.slice(0, 5), [], `${switched.length} units went back from the challenger to the champion before the promotion`);
  assert.deepEqual(check.duplicated.slice(0, 5), [], 'no answer logged twice');
  assert.deepEqual(check.lost.slice(0, 5), [], 'every answered instance logged');
});
