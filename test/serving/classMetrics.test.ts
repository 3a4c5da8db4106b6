// Classification metrics over real traffic: a monitor window's per-variant, per-class metrics, and a rollout guardrail on recall.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { createMonitorActivities } from '../../activities/monitor.js';
import { createRolloutActivities } from '../../activities/rollout.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { TrainingPool } from '../../activities/trainingPool.js';
import { parsePipeline } from '../../lib/config/pipeline.js';
import { encodeSnapshot } from '../../lib/data/snapshot.js';
import { tableFromObjects } from '../../lib/data/typing.js';
import type { ClassificationReport } from '../../lib/stats/classMetrics/report.js';
import { upsertDataset } from '../../lib/store/datasets.js';
import { saveDefinition } from '../../lib/store/definitions.js';
import { deployVersion } from '../../lib/store/models.js';
import { buildServingApp, type ServingApp } from '../../serving/app.js';
import { registerModelBytes, startTestStack, tinyCard, TINY_A, TINY_B, type TestStack } from './harness.js';

const definition = {
  name: 'tinym', data: { path: 'unused.csv' }, task: 'classification', target: 'y', features: { numeric: ['x1'], categorical: ['color'] },
  search: { space: { logreg: { l2: [0.1] } } },
  monitor: { minRows: 50, quality: [{ metric: 'recall', class: 'yes', minimum: 0.95 }, { metric: 'logLoss', maximum: 5 }] },
  rollout: { minEffect: 0.05, stages: [{ name: 'ab', traffic: 0.5, minSamples: 30 }], guardrails: { minLabelled: 30, metrics: [{ metric: 'recall', class: 'yes', minimum: 0.8 }] } },
};
const pipeline = parsePipeline(definition, 'test', '/');
const COLORS = ['red', 'green', 'blue'];
const instance = (i: number) => ({ x1: ((i * 37) % 100) / 50 - 1, color: COLORS[i % 3] });
/** The truth: tiny A's own rule (its yes − no logit 2·x1 − red + green − 0.4 > 0), every 7th label flipped. B's weights roughly negate A's. */
const truth = (i: number): string => {
  const { x1, color } = instance(i);
  const yes = 2 * x1 - (color === 'red' ? 1 : 0) + (color === 'green' ? 1 : 0) - 0.4 > 0;
  return yes !== (i % 7 === 0) ? 'yes' : 'no';
};
let stack: TestStack;
let serving: ServingApp;
let deps: ActivityDeps;
let shaB = '';

before(async () => {
  stack = await startTestStack();
  const reference = tableFromObjects(Array.from({ length: 150 }, (_, i) => ({ ...instance(i), y: truth(i) })), 'reference');
  const snapshot = await stack.artifacts.put(encodeSnapshot(reference));
  const columns = reference.columns.map((c) => ({ name: c.name, kind: c.kind }));
  await upsertDataset(stack.db, { id: snapshot.sha256, pipeline: 'tinym', source: 'test', uri: snapshot.uri, rows: 150, columns, profileUri: null });
  const card = (name: string, sha: string, bytes: number) => ({ ...tinyCard(name, sha, bytes), dataset: { id: snapshot.sha256, rows: 150, source: 'test' } });
  const a = await registerModelBytes(stack, 'tinym', await readFile(TINY_A), 'run-a', card);
  const b = await registerModelBytes(stack, 'tinym', await readFile(TINY_B), 'run-b', card);
  shaB = b.sha256;
  await deployVersion(stack.db, 'tinym', a.version, 0, 'champion');
  await deployVersion(stack.db, 'tinym', b.version, 0.5, 'challenger');
  serving = await buildServingApp({ db: stack.db, artifacts: stack.artifacts, logger: false });
  deps = { db: stack.db, artifacts: stack.artifacts, temporal: null as unknown as Client, taskQueue: 'unused', reportsDir: join(stack.dir, 'reports'), databaseUrl: '', training: null as unknown as TrainingPool };
});
after(async () => {
  await serving?.close();
  await stack?.stop();
});

interface Answer { requestId: string; label: string; variant: string; version: number; probabilities: Record<string, number> }

/** recall / precision of "yes" and accuracy of one variant's answers, counted here from the answers and the labels sent. */
function counted(answers: Answer[], variant: string) {
  const mine = answers.filter((a) => a.variant === variant).map((a) => ({ predicted: a.label, label: truth(Number(a.requestId.slice(2))) }));
  const tp = mine.filter((m) => m.label === 'yes' && m.predicted === 'yes').length;
  return {
    n: mine.length, recallYes: tp / mine.filter((m) => m.label === 'yes').length, precisionYes: tp / mine.filter((m) => m.predicted === 'yes').length,
    accuracy: mine.filter((m) => m.label === m.predicted).length / mine.length,
    logLoss: answers.filter((a) => a.variant === variant).reduce((sum, a) => sum - Math.log(Math.max(1e-15, a.probabilities[truth(Number(a.requestId.slice(2)))])), 0) / mine.length,
  };
}

test('a window reports every metric per variant and class; a rollout guardrail on recall of "yes", and log loss as the rollout metric, stop the bad challenger', async () => {
  const since = new Date(Date.now() - 1000).toISOString();
  const requestIds = Array.from({ length: 300 }, (_, i) => `m-${i}`);
  const res = await serving.app.inject({ method: 'POST', url: '/v1/models/tinym/predict', payload: { instances: requestIds.map((_, i) => instance(i)), requestIds } });
  assert.equal(res.statusCode, 200, res.body);
  const answers = (res.json() as { predictions: Answer[] }).predictions;
  const fed = await serving.app.inject({ method: 'POST', url: '/v1/feedback', payload: { feedback: requestIds.map((id, i) => ({ requestId: id, label: truth(i) })) } });
  assert.deepEqual(fed.json(), { stored: 300, unknown: [] });
  const champion = counted(answers, 'champion');
  const challenger = counted(answers, 'challenger');
  assert.ok(champion.n > 100 && challenger.n > 100, `split ${champion.n} / ${challenger.n}`);
  assert.ok(champion.recallYes < 0.95 && challenger.recallYes < 0.8, `the labels make the limits bite: ${champion.recallYes}, ${challenger.recallYes}`);

  const ref = await saveDefinition(stack.db, pipeline, {});
  const window = await createMonitorActivities(deps).computeMonitorWindow({ monitorRunId: 'mon-cm', pipeline: ref });
  assert.equal(window.evaluated, true, JSON.stringify(window.notJudged));
  const stored = await stack.db.query<{ variants: { variant: string; classification: ClassificationReport }[] }>("SELECT report->'variants' AS variants FROM monitor_reports WHERE monitor_run_id = 'mon-cm'");
  const byVariant = Object.fromEntries(stored.rows[0].variants.map((v) => [v.variant, v.classification]));
  for (const [variant, expected] of [['champion', champion], ['challenger', challenger]] as const) {
    const r = byVariant[variant];
    const yes = r.perClass.find((c) => c.class === 'yes');
    assert.ok(Math.abs((yes?.metrics.recall.value ?? NaN) - expected.recallYes) < 1e-12, `${variant} recall of yes`);
    assert.ok(Math.abs((yes?.metrics.precision.value ?? NaN) - expected.precisionYes) < 1e-12, `${variant} precision of yes`);
    assert.ok(Math.abs((r.overall.accuracy.value ?? NaN) - expected.accuracy) < 1e-12, `${variant} accuracy`);
    assert.equal(r.noProbabilities, null, 'the logged probabilities were read');
    assert.ok((r.overall.auc.value ?? -1) >= 0 && (r.overall.logLoss.value ?? -1) > 0);
  }
  assert.ok(window.breached);
  assert.ok(window.reasons.some((x) => /^recall of class "yes" 0\.\d{3} on \d+ labelled rows breaks monitor\.quality's limit recall of class "yes" ≥ 0\.95$/.test(x)), window.reasons.join('\n'));
  assert.ok(!window.reasons.some((x) => /logLoss/.test(x)), 'log loss within its limit');
  const html = window.reportHtml ? await readFile(window.reportHtml, 'utf8') : '';
  assert.match(html, /Classification metrics per variant and class/);
  assert.match(html, /<h3>challenger v2: \d+ labelled answers<\/h3>/);
  assert.match(html, /monitor\.quality limits \(champion\)/);

  const a = await createRolloutActivities(deps).assessRollout({
    input: { model: 'tinym', challenger: { version: 2, sha256: shaB }, task: 'classification', policy: pipeline.rollout!, disagreementTolerance: 0, pipeline: ref, startedBy: 'test', reason: 'test' },
    championVersion: 1, stageIndex: 0, elapsedSeconds: 5, stageStartedAt: since, splitStartedAt: since, previous: null,
  });
  process.stdout.write(`champion ${JSON.stringify(champion)}\nchallenger ${JSON.stringify(challenger)}\nreasons ${window.reasons.join(' | ')}\nrollout ${a.reason}\n`);
  assert.equal(a.action, 'rollback', a.reason);
  assert.equal(a.by, 'guardrail');
  const guard = a.guardrails.find((g) => g.name === 'metric');
  assert.ok(Math.abs((guard?.value ?? NaN) - challenger.recallYes) < 1e-12 && Math.abs((guard?.champion ?? NaN) - champion.recallYes) < 1e-12);
  assert.match(a.reason, /ab: guardrail metrics: challenger recall of class "yes" 0\.\d{3} \(champion 0\.\d{3}\) on \d+ labelled answers, limit recall of class "yes" ≥ 0\.8/);

  // Log loss as the rollout's own (per-request) metric: the test reads each answer's −ln p(label) from the log.
  const { guardrails: _g, ...rest } = pipeline.rollout!;
  const byLogLoss = await createRolloutActivities(deps).assessRollout({
    input: { model: 'tinym', challenger: { version: 2, sha256: shaB }, task: 'classification', policy: { ...rest, guardrails: { ..._g, metrics: [] }, metric: 'logLoss' }, disagreementTolerance: 0, pipeline: ref, startedBy: 'test', reason: 'test' },
    championVersion: 1, stageIndex: 0, elapsedSeconds: 5, stageStartedAt: since, splitStartedAt: since, previous: null,
  });
  process.stdout.write(`logLoss test ${byLogLoss.action}: ${byLogLoss.reason}\n`);
  assert.deepEqual(byLogLoss.test.samples, { champion: champion.n, challenger: challenger.n });
  assert.ok(Math.abs(byLogLoss.test.estimate - (champion.logLoss - challenger.logLoss)) < 1e-5, `improvement ${byLogLoss.test.estimate} vs ${champion.logLoss - challenger.logLoss}`);
  assert.equal(byLogLoss.action, 'rollback', 'the challenger is significantly worse on log loss');
  assert.equal(byLogLoss.by, 'test');
});
