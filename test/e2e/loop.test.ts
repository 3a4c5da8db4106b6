// The whole loop end to end on a real stack: train, deploy, replay, drift breach, one retraining run, challenger.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { runDemoStory } from '../../triggers/demo.js';
import { MONITOR_WORKFLOW, TASK_QUEUE, monitorScheduleId } from '../../contracts/names.js';
import type { MonitorInput, MonitorResult } from '../../contracts/types.js';
import { eventually, startTestStack, type TestStack } from '../harness.js';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../lib/config/env.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.teardown();
});

test('seattle-weather goes through its whole life: champion, drift, retraining, challenger', async () => {
  const { first, breach, retrained, repair } = await runDemoStory(stack);

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
  assert.equal(retrained.deployment?.role, 'challenger');

  // The repair chapter: the run failed at notify, the round restarted it, and it healed reusing every step before.
  assert.match(repair.failure, /^step "notify" \(notify-webhook\) failed: /);
  assert.deepEqual(repair.round.decisions.filter((d) => d.action === 'restart').map((d) => [d.step, d.attempt]), [['notify', 1]]);
  assert.deepEqual(Object.fromEntries(repair.healed.steps.map((s) => [s.id, s.state])), {
    ingest: 'reused', prepare: 'reused', validate: 'reused', rules: 'reused', optimize: 'reused', package: 'reused', rollout: 'done', notify: 'done',
  });

  // The serving API lists both versions with the configured split.
  const res = await fetch(`${stack.info.httpUrl}/v1/models`);
  const { models } = (await res.json()) as { models: { name: string; champion: { version: number }; challenger: { version: number; weight: number } | null }[] };
  const served = models.find((m) => m.name === 'seattle-weather');
  assert.equal(served?.champion.version, 1);
  assert.equal(served?.challenger?.version, 2);
  assert.ok(Math.abs((served?.challenger?.weight ?? 0) - 0.2) < 1e-6);

  // Every replayed request was logged, and a drift report is stored for the window.
  const logged = await stack.db.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM predictions WHERE model_name = 'seattle-weather'");
  assert.equal(logged.rows[0].n, 730);
  const report = await stack.artifacts.getJson<{ drift: { feature: string; psi: number; ks?: { pValue: number } }[] }>(breach.window.reportUri ?? '');
  assert.deepEqual(report.drift.map((d) => d.feature).sort(), ['precipitation', 'temp_max', 'temp_min', 'wind']);
  for (const d of report.drift) assert.ok(Number.isFinite(d.psi) && d.ks !== undefined);
  const html = await readFile(breach.window.reportHtml ?? '', 'utf8');
  assert.match(html, /Breach/);
  for (const feature of ['precipitation', 'temp_max', 'temp_min', 'wind']) assert.match(html, new RegExp(`aria-label="histogram of ${feature}"`));
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

test('a person promotes the challenger through the audited alias command; serving follows without a restart', async () => {
  const cli = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), 'alias', 'seattle-weather', 'champion', '2', '--reason', 'retrained on 2014-2015'], {
    env: { ...process.env, MLCYCLE_STATE_DIR: stack.env.stateDir, USER: 'alice' },
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /champion v2, challenger none/);
  const served = await eventually('serving to pick up the new champion', 10_000, async () => {
    const { models } = (await (await fetch(`${stack.info.httpUrl}/v1/models`)).json()) as { models: { name: string; champion: { version: number }; challenger: unknown }[] };
    const m = models.find((x) => x.name === 'seattle-weather');
    return m?.champion.version === 2 ? m : null;
  });
  assert.equal(served.challenger, null);
  const audit = await stack.db.query<{ actor: string; action: string; details: { reason: string } }>(
    "SELECT actor, action, details FROM audit_log WHERE subject = 'seattle-weather@2' ORDER BY id DESC LIMIT 1",
  );
  assert.deepEqual(
    { actor: audit.rows[0].actor, action: audit.rows[0].action, reason: audit.rows[0].details.reason },
    { actor: 'alice', action: 'set_champion', reason: 'retrained on 2014-2015' },
  );
  const missing = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), 'alias', 'seattle-weather', 'champion', '9', '--reason', 'typo'], {
    env: { ...process.env, MLCYCLE_STATE_DIR: stack.env.stateDir },
    encoding: 'utf8',
  });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /seattle-weather@9 is not registered/);
});
