// `mlcycle demo`: the whole loop on seattle-weather — train, serve, replay 2014, drift, one retrain, rollout on 2015, repair.
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import cliProgress from 'cli-progress';
import type { MlcycleEnv } from '../lib/config/env.js';
import { PROJECT_ROOT, startStack, type Stack } from '../stack/stack.js';
import { monitorScheduleId } from '../contracts/names.js';
import type { MonitorResult } from '../contracts/types.js';
import { completeResult, resolvePipeline, startLifecycle, type CompleteLifecycleResult } from './client.js';
import { followRun } from './progress.js';
import { runBusinessStory } from './demoBusiness.js';
import { runRepairStory, type RepairStory } from './demoRepair.js';
import { inInches, runRolloutStory, type RolloutStory } from './demoRollout.js';
import { replayTraffic } from './replay.js';
import { registerStartApi } from './httpApi.js';
import { applySchedules } from './schedules.js';
import { ML_SECTIONS, requireSections } from '../lib/steps/sections.js';

const say = (line: string): void => console.log(line);

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Runs the story on a started stack; returns what a test or a person checks. */
export async function runDemoStory(
  stack: Stack,
): Promise<{ first: CompleteLifecycleResult; breach: MonitorResult; retrained: CompleteLifecycleResult; rollout: RolloutStory; repair: RepairStory }> {
  const pipeline = requireSections(await resolvePipeline('seattle-weather'), ['data', ...ML_SECTIONS], 'the demo');
  const httpUrl = stack.info.httpUrl;
  if (!httpUrl) throw new Error('the demo needs the serving API');

  say(`\nApplying ${pipeline.name}'s schedules (npx mlcycle schedules apply ${pipeline.name}):`);
  for (const { changes } of await applySchedules(stack, pipeline)) {
    for (const c of changes) say(`   ${c.change} ${c.scheduleId}  ${c.detail}`);
  }

  say(`\n1. Training on 2012–2013 (${'path' in pipeline.data ? pipeline.data.path : 'a query'})`);
  const run = await startLifecycle(stack, pipeline, { rerun: true, reason: 'demo: first training' });
  say(`   run ${run.workflowId}`);
  const first = completeResult(await followRun(run.handle, (l) => say(`   ${l}`)));
  say(`   → ${first.model.name}@${first.model.version} (holdout accuracy ${first.candidate.holdoutMetrics.accuracy.toFixed(3)}) serves as ${first.deployment?.role ?? 'nothing: not blessed'}`);

  say('\n2. Replaying 2014 as live traffic, with the true labels as feedback — but from 2014 the station reports precipitation in inches');
  const bar = new cliProgress.SingleBar({ format: '   requests [{bar}] {value}/{total}' }, cliProgress.Presets.shades_classic);
  bar.start(365, 0);
  const replay = await replayTraffic({
    httpUrl,
    model: pipeline.name,
    csvPath: join(PROJECT_ROOT, 'examples/seattle-weather/replay-2014-2015.csv'),
    target: pipeline.target,
    keep: (r) => String(r.date).startsWith('2014'),
    transform: inInches,
    onProgress: (sent) => bar.update(sent),
  });
  bar.stop();
  say(`   ${replay.requests} predictions logged (${JSON.stringify(replay.byVariant)}), ${replay.labelled} labels`);

  say(`\n3. The monitor schedule (${monitorScheduleId(pipeline.name)}, every ${pipeline.monitor.intervalSeconds}s) checks the window`);
  await stack.client.schedule.getHandle(monitorScheduleId(pipeline.name)).trigger();
  const breach = await waitFor('a monitor window with a breach', 120_000, async () => {
    for await (const w of stack.client.workflow.list({ query: `WorkflowType="monitorWorkflow" AND ExecutionStatus="Completed"` })) {
      const result = (await stack.client.workflow.getHandle(w.workflowId, w.runId).result()) as MonitorResult;
      if (result.retrainWorkflowId) return result;
    }
    return null;
  });
  say(`   window (${breach.window.fromPredictionId}, ${breach.window.toPredictionId}] of ${breach.window.rows} requests: breach`);
  for (const reason of breach.window.reasons) say(`   - ${reason}`);
  say(`   report: ${breach.window.reportHtml}`);

  const retrainId = breach.retrainWorkflowId as string; // the breach above was chosen for having one
  say(`\n4. Retraining on the labelled traffic: ${retrainId}`);
  const retrained = completeResult(await followRun(stack.client.workflow.getHandle(retrainId), (l) => say(`   ${l}`)));
  const d = retrained.deployment;
  say(
    `   → ${retrained.model.name}@${retrained.model.version} (holdout accuracy ${retrained.candidate.holdoutMetrics.accuracy.toFixed(3)}) ` +
      (d?.rolloutWorkflowId ? `in rollout against champion v${d.championVersion}: ${d.stage} first (${d.rolloutWorkflowId})` : `serves as ${d?.role ?? 'nothing: not blessed'}`),
  );
  const rollout = await runRolloutStory(stack, pipeline, say);
  const repair = await runRepairStory(stack, say);
  return { first, breach, retrained, rollout, repair };
}

/** The demo tells the same story every time: it runs on its own state folder, emptied at start. */
export async function demo(base: MlcycleEnv, keepRunning: boolean, story: 'lifecycle' | 'business' = 'lifecycle'): Promise<void> {
  const stateDir = join(base.stateDir, story === 'lifecycle' ? 'demo' : `demo-${story}`);
  await rm(stateDir, { recursive: true, force: true });
  const env: MlcycleEnv = { ...base, stateDir, artifactDir: join(stateDir, 'artifacts') };
  say(`Starting the embedded stack (Temporal dev server, PostgreSQL, worker, serving API) in ${stateDir}…`);
  const stack = await startStack({ env, log: (l) => say(`  ${l}`), extendApp: registerStartApi });
  try {
    if (story === 'business') await runBusinessStory(stack, join(stateDir, 'reports'), say);
    else await runDemoStory(stack);
    say('\nWhere to look:');
    const look = story === 'business'
      ? "workflows lifecycle:* and rollout:*, the approval in the rollout's Updates and MlcycleApproval; npx mlcycle lineage weather-planner@2"
      : "workflows lifecycle:* with their steps' activities, rollout:* with MlcycleRolloutStage and the decision in its details, monitor:*, repair:*; the repaired run's MlcycleRepairOf; schedules monitor:*, repair:*; npx mlcycle schedules list";
    if (stack.info.temporalUiUrl) say(`  Temporal Web UI   ${stack.info.temporalUiUrl}  (${look})`);
    say(`  Serving API       ${stack.info.httpUrl}/v1/models`);
    say(`  HTML reports      ${join(stateDir, 'reports')}`);
    say(`  Status            MLCYCLE_STATE_DIR=${relative(process.cwd(), stateDir) || '.'} npx mlcycle status   (while this stack runs)`);
    if (keepRunning) {
      say('\nThe stack keeps running; Ctrl-C stops it.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    say('Stopping…');
    await stack.stop();
  }
}
