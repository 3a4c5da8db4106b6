// The whole loop end to end on a real stack: train, deploy, replay, drift breach, one retraining run, challenger.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { runDemoStory } from '../../triggers/demo.js';
import { MONITOR_WORKFLOW, TASK_QUEUE, monitorScheduleId } from '../../contracts/names.js';
import type { MonitorInput, MonitorResult } from '../../contracts/types.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { recordHistory, recording } from '../histories.js';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { PROJECT_ROOT } from '../../lib/config/env.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.teardown();
});

test('seattle-weather goes through its whole life: champion, drift, one retrain, a rollout that promotes it, a worse one rolled back', async () => {
  const { first, breach, retrained, rollout, repair } = await runDemoStory(stack);

  assert.equal(first.validation.ok, true);
  assert.equal(first.validation.schemaCreated, true, 'the first run pins the schema');
  assert.equal(first.model.version, 1);
  assert.equal(first.deployment?.role, 'champion');
  assert.ok(first.candidate.holdoutMetrics.accuracy >= 0.6, 'passes its gate');
  assert.ok(first.model.parityMaxAbsDiff <= 1e-4, 'ONNX parity');
  assert.ok(first.model.latencyMs.batch1 > 0 && first.model.latencyMs.batch1024 >= first.model.latencyMs.batch1, 'latency measured');
  const registered = await stack.db.query<{ card: { metricIntervals: Record<string, { lower: number; upper: number }>; metrics: Record<string, number> } }>(
    "SELECT card FROM model_versions WHERE name = 'seattle-weather' AND version = 1",
  );
  const { card } = registered.rows[0];
  assert.ok(card.metricIntervals.accuracy.lower <= card.metrics.accuracy && card.metrics.accuracy <= card.metricIntervals.accuracy.upper);
  const cardHtml = await readFile(first.model.cardHtml, 'utf8');
  for (const section of ['Input signature', 'Trials', 'Latency']) assert.match(cardHtml, new RegExp(section, 'i'));

  assert.equal(breach.window.evaluated, true);
  assert.equal(breach.window.breached, true);
  assert.ok(breach.window.rows >= 100);
  assert.ok(breach.window.reasons.length > 0);

  assert.equal(retrained.dataset.source.startsWith('feedback:seattle-weather'), true, 'retrained on labelled traffic');
  assert.equal(retrained.validation.schemaCreated, false, 'checked against the pinned schema');
  assert.equal(retrained.model.version, 2);
  assert.deepEqual([retrained.deployment?.role, retrained.deployment?.stage, retrained.deployment?.rolloutWorkflowId], ['challenger', 'shadow', 'rollout:seattle-weather']);

  // The retrained model earned its place: shadow → canary → A/B, promoted by the test; the old one asked back and was refused.
  const { promoted, rolledBack } = rollout;
  assert.deepEqual([promoted.challengerVersion, promoted.status, promoted.decision?.by], [2, 'promoted', 'test'], JSON.stringify(promoted.decision));
  assert.deepEqual(promoted.events.filter((e) => e.action.startsWith('stage')).map((e) => e.action.split(' ')[1]), ['canary', 'ab']);
  assert.ok((promoted.assessment?.test.lower ?? 0) > 0);
  assert.deepEqual([rolledBack.challengerVersion, rolledBack.championVersion, rolledBack.status, rolledBack.decision?.by, rolledBack.assessment?.test.code], [1, 2, 'rolled back', 'test', 'worse']);
  assert.equal(rolledBack.stage, 'shadow', 'refused before it answered anyone');
  assert.ok(!Object.keys(rollout.rolledBackTraffic.answeredBy).some((k) => k.endsWith('@v1')), 'v1 answered nobody');

  // The repair chapter: the run failed at notify, the round restarted it, and it healed reusing every step before.
  assert.match(repair.failure, /^step "notify" \(notify-webhook\) failed: /);
  assert.deepEqual(repair.round.decisions.filter((d) => d.action === 'restart').map((d) => [d.step, d.attempt]), [['notify', 1]]);
  assert.deepEqual(Object.fromEntries(repair.healed.steps.map((s) => [s.id, s.state])), {
    ingest: 'reused', prepare: 'reused', validate: 'reused', rules: 'reused', optimize: 'reused', package: 'reused', rollout: 'done', notify: 'done',
  });

  // The serving API follows: v2 is champion, nothing is in rollout.
  const res = await fetch(`${stack.info.httpUrl}/v1/models`);
  const { models } = (await res.json()) as { models: { name: string; champion: { version: number }; challenger: unknown }[] };
  const served = models.find((m) => m.name === 'seattle-weather');
  assert.deepEqual([served?.champion.version, served?.challenger], [2, null]);

  // Every answered request was logged once, and the shadow's answers beside the champion's.
  const answered = 365 + rollout.promotedTraffic.requests + rollout.rolledBackTraffic.requests;
  const logged = await stack.db.query<{ variant: string; n: number }>("SELECT variant, COUNT(*)::int AS n FROM predictions WHERE model_name = 'seattle-weather' GROUP BY variant");
  const byVariant = Object.fromEntries(logged.rows.map((r) => [r.variant, r.n]));
  assert.equal((byVariant.champion ?? 0) + (byVariant.challenger ?? 0), answered);
  assert.ok((byVariant.shadow ?? 0) > 100, 'shadow answers logged');
  type Column = { feature: string; method: string; drifted: boolean; psi: number; jensenShannon: number; wasserstein: number | null; ks: { pValue: number } | null; currentCount: number };
  const report = await stack.artifacts.getJson<{ driftSuite: { features: Column[]; extra: Column[] } }>(breach.window.reportUri ?? '');
  const columns = report.driftSuite.features;
  assert.deepEqual(columns.map((d) => d.feature).sort(), ['precipitation', 'temp_max', 'temp_min', 'wind']);
  // Every test's value is kept for every feature, whichever judged it; precipitation in inches drifted.
  for (const d of columns) assert.ok(Number.isFinite(d.psi) && Number.isFinite(d.jensenShannon) && Number.isFinite(d.wasserstein) && d.ks !== null, d.feature);
  assert.ok(columns.find((d) => d.feature === 'precipitation')?.drifted, 'precipitation drifted');
  // The answers and the labels that came back are compared with the training labels too (prediction and label drift).
  assert.deepEqual(report.driftSuite.extra.map((d) => d.feature), ['__prediction', '__label']);
  for (const d of report.driftSuite.extra) assert.ok(Number.isFinite(d.jensenShannon) && Number.isFinite(d.psi) && d.currentCount > 0, JSON.stringify(d));
  const stored = await stack.db.query<{ feature: string }>("SELECT DISTINCT feature FROM drift_values WHERE model_name = 'seattle-weather' ORDER BY 1");
  assert.deepEqual(stored.rows.map((r) => r.feature), ['__label', '__prediction', 'precipitation', 'temp_max', 'temp_min', 'wind'], 'every window stores every value');
  const html = await readFile(breach.window.reportHtml ?? '', 'utf8');
  assert.match(html, /Breach/);
  for (const feature of ['precipitation', 'temp_max', 'temp_min', 'wind']) assert.match(html, new RegExp(`aria-label="histogram of ${feature}"`));

  // Into the replay corpus: the monitor schedule's run that chose retraining, and that retraining run, which started a rollout.
  if (recording()) {
    const scheduled = `WorkflowType="${MONITOR_WORKFLOW}" AND TemporalScheduledById="${monitorScheduleId('seattle-weather')}" AND ExecutionStatus="Completed"`;
    let found = false;
    for await (const w of stack.client.workflow.list({ query: scheduled })) {
      const result = (await stack.client.workflow.getHandle(w.workflowId, w.runId).result()) as MonitorResult;
      if (result.retrainWorkflowId !== breach.retrainWorkflowId) continue;
      found = true;
      await recordHistory(stack.client, w.workflowId, w.runId, 'monitor-scheduled-breach', {
        about: "a run of the monitor schedule: a window in breach opens an incident and starts one retraining run as an abandoned child", outcome: 'completed',
        activities: ['computeMonitorWindow', 'decideRetrain', 'recordRetrainStart'], childWorkflows: ['lifecycleWorkflow'], events: ['CHILD_WORKFLOW_EXECUTION_STARTED'],
      });
    }
    assert.ok(found, `a run of ${monitorScheduleId('seattle-weather')} that started ${breach.retrainWorkflowId}`);
    await recordHistory(stack.client, breach.retrainWorkflowId ?? '', undefined, 'lifecycle-retrain-rollout', {
      about: 'a retraining run started by the monitor: trained on labelled traffic, the challenger is requested for a rollout (planDeployment starts it, or queues it)', outcome: 'completed',
      activities: ['ingestDataset', 'validateDataset', 'runTrial', 'trainCandidate', 'packageModel', 'planDeployment'],
    });
  }
});

test('the same breach window never starts a second retraining run', async () => {
  const breachRun = await (async () => {
    for await (const w of stack.client.workflow.list({ query: `WorkflowType="${MONITOR_WORKFLOW}" AND ExecutionStatus="Completed"` })) {
      const result = (await stack.client.workflow.getHandle(w.workflowId, w.runId).result()) as MonitorResult;
      if (result.retrainWorkflowId) return { workflowId: w.workflowId, result };
    }
    return null;
  })();
  assert.ok(breachRun, 'a monitor run that started a retraining run');
  // The schedule's action carries the stored definition's reference, not the definition.
  const schedule = await stack.client.schedule.getHandle(monitorScheduleId('seattle-weather')).describe();
  const args = (schedule.action as { args?: unknown[] }).args as [MonitorInput];
  assert.deepEqual(Object.keys(args[0].pipeline).sort(), ['name', 'version']);
  // Run the monitor again under the same run id: it finds its stored window and the same retraining id.
  const again = (await stack.client.workflow.execute(MONITOR_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId: breachRun.workflowId, args })) as MonitorResult;
  assert.equal(again.retrainWorkflowId, breachRun.result.retrainWorkflowId);
  let runs = 0;
  for await (const _ of stack.client.workflow.list({ query: `WorkflowId="${again.retrainWorkflowId}"` })) runs++;
  assert.equal(runs, 1);
  const versions = await stack.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM model_versions WHERE name = 'seattle-weather'");
  assert.equal(versions.rows[0].n, 2);
});

/** The CLI in a child process, awaited without blocking this process (its worker must answer queries and Updates). */
function cli(args: string[], user = 'alice'): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), ...args], { env: { ...process.env, MLCYCLE_STATE_DIR: stack.env.stateDir, USER: user } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('people steer from the CLI: a rollout started by hand, refused commands, an audited rollback, then the alias', async () => {
  // The CLI's actor is the OS account running it, marked as self-declared; $USER (alice here) is not an identity.
  const me = `os:${userInfo().username} (self-declared)`;
  const started = await cli(['rollout', 'start', 'seattle-weather', '--version', '1', '--reason', 'second look at the old model']);
  assert.equal(started.status, 0, started.stdout + started.stderr);
  assert.match(started.stdout, /seattle-weather@1 in rollout: shadow → canary → ab \(rollout:seattle-weather\); policy of definition seattle-weather@[0-9a-f]{16} \(the one that trained v1\)/);
  const alias = await cli(['alias', 'seattle-weather', 'champion', '1', '--reason', 'shortcut']);
  assert.equal(alias.status, 1);
  assert.match(alias.stderr, /seattle-weather@1 is in rollout \(rollout:seattle-weather\): steer it with npx mlcycle rollout/);
  const wrong = await cli(['rollout', 'promote', 'seattle-weather', '--version', '2', '--reason', 'typo']);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /refused: seattle-weather@2 is not in rollout: seattle-weather@1 is \(stage shadow\)/);
  const status = await cli(['rollout', 'status', 'seattle-weather']);
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /seattle-weather@1 vs champion v2: running/);
  assert.match(status.stdout, /stage {5}shadow \(shadow → canary → ab\), mirroring 100% of units/);
  const back = await cli(['rollout', 'rollback', 'seattle-weather', '--reason', 'not this quarter']);
  assert.equal(back.status, 0, back.stderr);
  assert.ok(back.stdout.includes(`rolled back (by ${me})`), back.stdout);
  const audit = await stack.db.query<{ actor: string; action: string; reason: string }>(
    "SELECT actor, action, details->>'reason' AS reason FROM audit_log WHERE subject = 'seattle-weather@1' ORDER BY id DESC LIMIT 1",
  );
  assert.deepEqual(audit.rows[0], { actor: me, action: 'rollout_rollback', reason: `rolled back by ${me}: not this quarter` });

  const status2 = await cli(['status']);
  assert.ok(status2.stdout.includes(`vs v2  rolled back by ${me} (shadow)`), status2.stdout);
  assert.match(status2.stdout, /seattle-weather@2 +vs v1 {2}promoted by test \(ab\)/);

  // With no rollout running, a person may still move the alias by hand (audited); serving follows without a restart.
  const moved = await cli(['alias', 'seattle-weather', 'champion', '1', '--reason', 'incident: v2 misbehaves']);
  assert.equal(moved.status, 0, moved.stdout + moved.stderr);
  assert.match(moved.stdout, /champion v1, challenger none/);
  await eventually('serving to pick up the new champion', 10_000, async () => {
    const { models } = (await (await fetch(`${stack.info.httpUrl}/v1/models`)).json()) as { models: { name: string; champion: { version: number } }[] };
    return models.find((x) => x.name === 'seattle-weather')?.champion.version === 1 ? true : null;
  });
  const missing = await cli(['alias', 'seattle-weather', 'champion', '9', '--reason', 'typo']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /seattle-weather@9 is not registered/);
});
